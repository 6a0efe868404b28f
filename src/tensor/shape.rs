//! Shapes, strides and broadcasting. A [`Layout`] says where each element of a tensor lives
//! in its storage, so views (transpose, permute, broadcast, narrow) share storage and cost
//! nothing; kernels read strided inputs directly.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ShapeError {}

/// Shape, element strides and offset of a (possibly non-contiguous) view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub shape: Vec<usize>,
    pub strides: Vec<usize>,
    pub offset: usize,
}

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Row-major strides of a contiguous tensor of this shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The shape two shapes broadcast to (NumPy rules, aligned at the right).
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, ShapeError> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r {
            a[i + a.len() - r]
        } else {
            1
        };
        let db = if i + b.len() >= r {
            b[i + b.len() - r]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => {
                return Err(ShapeError(format!(
                    "shapes {a:?} and {b:?} cannot be broadcast together"
                )))
            }
        };
    }
    Ok(out)
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: shape.to_vec(),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    pub fn rank(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        numel(&self.shape)
    }

    pub fn is_contiguous(&self) -> bool {
        self.offset == 0 && (self.numel() <= 1 || self.strides == contiguous_strides(&self.shape))
    }

    /// This view broadcast to `shape` (stride 0 along new or stretched axes).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Layout, ShapeError> {
        if shape.len() < self.rank() {
            return Err(ShapeError(format!(
                "cannot broadcast {:?} to fewer dimensions {shape:?}",
                self.shape
            )));
        }
        let lead = shape.len() - self.rank();
        let mut strides = vec![0; shape.len()];
        for i in 0..self.rank() {
            let (d, s) = (self.shape[i], shape[lead + i]);
            strides[lead + i] = if d == s {
                self.strides[i]
            } else if d == 1 {
                0
            } else {
                return Err(ShapeError(format!(
                    "cannot broadcast {:?} to {shape:?}",
                    self.shape
                )));
            };
        }
        Ok(Layout {
            shape: shape.to_vec(),
            strides,
            offset: self.offset,
        })
    }

    /// Axes reordered: axis i of the result is axis `perm[i]` of this view.
    pub fn permute(&self, perm: &[usize]) -> Result<Layout, ShapeError> {
        let mut seen = vec![false; self.rank()];
        if perm.len() != self.rank()
            || perm
                .iter()
                .any(|&p| p >= self.rank() || std::mem::replace(&mut seen[p], true))
        {
            return Err(ShapeError(format!(
                "{perm:?} is not a permutation of {} axes",
                self.rank()
            )));
        }
        Ok(Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        })
    }

    /// Elements `start..start + len` along `axis`.
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Layout, ShapeError> {
        if axis >= self.rank() || start + len > self.shape[axis] {
            return Err(ShapeError(format!(
                "narrow({axis}, {start}, {len}) out of range for {:?}",
                self.shape
            )));
        }
        let mut l = self.clone();
        l.offset += start * self.strides[axis];
        l.shape[axis] = len;
        Ok(l)
    }

    /// Storage index of the element at flat (row-major) position `i` of this view.
    pub fn index_of(&self, mut i: usize) -> usize {
        let mut idx = self.offset;
        for d in (0..self.rank()).rev() {
            let c = i % self.shape[d];
            i /= self.shape[d];
            idx += c * self.strides[d];
        }
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_rules() {
        assert_eq!(
            broadcast_shapes(&[3, 1, 5], &[4, 1]).unwrap(),
            vec![3, 4, 5]
        );
        assert_eq!(broadcast_shapes(&[], &[2]).unwrap(), vec![2]);
        assert!(broadcast_shapes(&[3], &[4]).is_err());
        let l = Layout::contiguous(&[4, 1])
            .broadcast_to(&[3, 4, 5])
            .unwrap();
        assert_eq!(l.strides, vec![0, 1, 0]);
    }

    #[test]
    fn views_index_the_right_elements() {
        let l = Layout::contiguous(&[2, 3]);
        let t = l.permute(&[1, 0]).unwrap();
        assert_eq!(
            (0..6).map(|i| t.index_of(i)).collect::<Vec<_>>(),
            vec![0, 3, 1, 4, 2, 5]
        );
        assert!(!t.is_contiguous() && l.is_contiguous());
        let n = l.narrow(1, 1, 2).unwrap();
        assert_eq!(
            (0..4).map(|i| n.index_of(i)).collect::<Vec<_>>(),
            vec![1, 2, 4, 5]
        );
        assert!(l.permute(&[0, 0]).is_err());
        assert!(l.narrow(1, 2, 2).is_err());
    }
}
