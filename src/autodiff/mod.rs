//! Reverse-mode automatic differentiation over [`Tensor`] ops, shared by both backends:
//! every backward rule is written with tensor ops, so it runs wherever the values live.
//!
//! A [`Tape`] records each op's output, its parents and its backward rule (side by side
//! with the forward computation). [`Tape::backward`] walks the tape in reverse, and
//! gradients *accumulate*: a value used twice receives both contributions.

use crate::tensor::{BinaryOp, Device, ReduceOp, Result, ShapeError, Tensor, UnaryOp};
use std::cell::RefCell;

/// Given the output's gradient, the parents' values and the output's value, the
/// gradient of each parent (`None` where an input has no gradient, e.g. a comparison).
type Backward = Box<dyn Fn(&Tensor, &[Tensor], &Tensor) -> Result<Vec<Option<Tensor>>>>;

struct Node {
    value: Tensor,
    parents: Vec<usize>,
    backward: Option<Backward>,
}

/// A recording of one forward computation.
#[derive(Default)]
pub struct Tape {
    nodes: RefCell<Vec<Node>>,
}

/// A value on a tape.
#[derive(Clone, Copy)]
pub struct Var<'t> {
    tape: &'t Tape,
    pub id: usize,
}

/// Gradients of one backward pass, by variable.
pub struct Grads(Vec<Option<Tensor>>);

impl Grads {
    pub fn get(&self, v: Var) -> Option<&Tensor> {
        self.0.get(v.id).and_then(|g| g.as_ref())
    }
}

fn scalar(v: f32, device: &Device) -> Tensor {
    Tensor::full(v, &[], device)
}

/// Sums `g` down to `shape`, undoing broadcasting.
pub fn sum_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let mut g = g.clone();
    while g.shape().len() > shape.len() {
        let s = g.shape()[1..].to_vec();
        g = g.sum(0)?.reshape(&s)?;
    }
    for (axis, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[axis] != 1 {
            g = g.sum(axis)?;
        }
    }
    if g.shape() != shape {
        return Err(ShapeError(format!(
            "gradient of shape {:?} does not reduce to {shape:?}",
            g.shape()
        ))
        .into());
    }
    Ok(g)
}

impl Tape {
    pub fn new() -> Tape {
        Tape::default()
    }

    /// An input or parameter: a value with no parents.
    pub fn leaf(&self, value: Tensor) -> Var<'_> {
        self.push(value, vec![], None)
    }

    fn push(&self, value: Tensor, parents: Vec<usize>, backward: Option<Backward>) -> Var<'_> {
        let mut n = self.nodes.borrow_mut();
        n.push(Node {
            value,
            parents,
            backward,
        });
        Var {
            tape: self,
            id: n.len() - 1,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// d(loss)/d(every variable), starting from a gradient of ones.
    pub fn backward(&self, loss: Var) -> Result<Grads> {
        let nodes = self.nodes.borrow();
        let mut grads: Vec<Option<Tensor>> = vec![None; loss.id + 1];
        let v = &nodes[loss.id].value;
        grads[loss.id] = Some(Tensor::full(1.0, v.shape(), &v.device()));
        for id in (0..=loss.id).rev() {
            let Some(g) = grads[id].take() else { continue };
            let node = &nodes[id];
            if let Some(bw) = &node.backward {
                let parents: Vec<Tensor> = node
                    .parents
                    .iter()
                    .map(|&p| nodes[p].value.clone())
                    .collect();
                for (&p, pg) in node.parents.iter().zip(bw(&g, &parents, &node.value)?) {
                    let Some(pg) = pg else { continue };
                    grads[p] = Some(match grads[p].take() {
                        Some(acc) => acc.add(&pg)?,
                        None => pg,
                    });
                }
            }
            grads[id] = Some(g);
        }
        Ok(Grads(grads))
    }
}

impl<'t> Var<'t> {
    /// The tape this value is recorded on (to record more values beside it).
    pub fn tape(&self) -> &'t Tape {
        self.tape
    }

    pub fn value(&self) -> Tensor {
        self.tape.nodes.borrow()[self.id].value.clone()
    }

    pub fn shape(&self) -> Vec<usize> {
        self.tape.nodes.borrow()[self.id].value.shape().to_vec()
    }

    fn op(&self, value: Tensor, parents: &[Var<'t>], bw: Backward) -> Var<'t> {
        self.tape
            .push(value, parents.iter().map(|p| p.id).collect(), Some(bw))
    }

    pub fn unary(&self, op: UnaryOp, p: f32) -> Result<Var<'t>> {
        let y = self.value().unary(op, p);
        let bw: Backward = Box::new(move |g, xs, y| {
            let x = &xs[0];
            let dev = x.device();
            let one = scalar(1.0, &dev);
            let zero = scalar(0.0, &dev);
            let d = match op {
                UnaryOp::Neg => return Ok(vec![Some(g.unary(UnaryOp::Neg, 0.0))]),
                UnaryOp::AddScalar => return Ok(vec![Some(g.clone())]),
                UnaryOp::MulScalar => return Ok(vec![Some(g.unary(UnaryOp::MulScalar, p))]),
                UnaryOp::Exp => y.clone(),
                UnaryOp::Log => one.div(x)?,
                UnaryOp::Sqrt => y
                    .unary(UnaryOp::MulScalar, 2.0)
                    .unary(UnaryOp::PowScalar, -1.0),
                UnaryOp::Abs => x
                    .binary(BinaryOp::Gt, &zero)?
                    .sub(&zero.binary(BinaryOp::Gt, x)?)?,
                UnaryOp::Relu => x.binary(BinaryOp::Gt, &zero)?,
                UnaryOp::LeakyRelu => x
                    .binary(BinaryOp::Gt, &zero)?
                    .unary(UnaryOp::MulScalar, 1.0 - p)
                    .unary(UnaryOp::AddScalar, p),
                UnaryOp::Sigmoid => y.mul(&one.sub(y)?)?,
                UnaryOp::Tanh => one.sub(&y.mul(y)?)?,
                UnaryOp::Softplus => x.unary(UnaryOp::Sigmoid, 0.0),
                UnaryOp::Silu => {
                    let s = x.unary(UnaryOp::Sigmoid, 0.0);
                    s.mul(&one.add(&x.mul(&one.sub(&s)?)?)?)?
                }
                UnaryOp::Gelu => {
                    // d/dx ½x(1 + tanh u), u = c(x + 0.044715x³)
                    let c = 0.797_884_6f32;
                    let x2 = x.mul(x)?;
                    let u = x
                        .add(&x2.mul(x)?.unary(UnaryOp::MulScalar, 0.044715))?
                        .unary(UnaryOp::MulScalar, c);
                    let t = u.unary(UnaryOp::Tanh, 0.0);
                    let du = x2
                        .unary(UnaryOp::MulScalar, 3.0 * 0.044715)
                        .unary(UnaryOp::AddScalar, 1.0)
                        .unary(UnaryOp::MulScalar, c);
                    let left = t
                        .unary(UnaryOp::AddScalar, 1.0)
                        .unary(UnaryOp::MulScalar, 0.5);
                    let right = x
                        .mul(&one.sub(&t.mul(&t)?)?)?
                        .mul(&du)?
                        .unary(UnaryOp::MulScalar, 0.5);
                    left.add(&right)?
                }
                UnaryOp::PowScalar => x
                    .unary(UnaryOp::PowScalar, p - 1.0)
                    .unary(UnaryOp::MulScalar, p),
            };
            Ok(vec![Some(g.mul(&d)?)])
        });
        Ok(self.op(y, &[*self], bw))
    }

    pub fn binary(&self, op: BinaryOp, other: &Var<'t>) -> Result<Var<'t>> {
        let y = self.value().binary(op, &other.value())?;
        let bw: Backward = Box::new(move |g, xs, y| {
            let (a, b) = (&xs[0], &xs[1]);
            let (ga, gb) = match op {
                BinaryOp::Add => (Some(g.clone()), Some(g.clone())),
                BinaryOp::Sub => (Some(g.clone()), Some(g.unary(UnaryOp::Neg, 0.0))),
                BinaryOp::Mul => (Some(g.mul(b)?), Some(g.mul(a)?)),
                BinaryOp::Div => (
                    Some(g.div(b)?),
                    Some(g.mul(a)?.div(&b.mul(b)?)?.unary(UnaryOp::Neg, 0.0)),
                ),
                BinaryOp::Pow => {
                    let da =
                        b.mul(&a.binary(BinaryOp::Pow, &b.unary(UnaryOp::AddScalar, -1.0))?)?;
                    let db = y.mul(&a.unary(UnaryOp::Log, 0.0))?;
                    (Some(g.mul(&da)?), Some(g.mul(&db)?))
                }
                BinaryOp::Max | BinaryOp::Min => {
                    // The gradient goes to the input that was chosen (to `a` on ties).
                    let other_won = if op == BinaryOp::Max {
                        b.binary(BinaryOp::Gt, a)?
                    } else {
                        a.binary(BinaryOp::Gt, b)?
                    };
                    let a_won = other_won
                        .unary(UnaryOp::MulScalar, -1.0)
                        .unary(UnaryOp::AddScalar, 1.0);
                    (Some(g.mul(&a_won)?), Some(g.mul(&other_won)?))
                }
                BinaryOp::Gt | BinaryOp::Eq => (None, None),
            };
            Ok(vec![
                ga.map(|t| sum_to(&t, a.shape())).transpose()?,
                gb.map(|t| sum_to(&t, b.shape())).transpose()?,
            ])
        });
        Ok(self.op(y, &[*self, *other], bw))
    }

    pub fn reduce(&self, op: ReduceOp, axis: usize) -> Result<Var<'t>> {
        let y = self.value().reduce(op, axis)?;
        let bw: Backward = Box::new(move |g, xs, y| {
            let x = &xs[0];
            let n = x.shape()[axis] as f32;
            let d = match op {
                ReduceOp::Sum => g.broadcast_to(x.shape())?.contiguous(),
                ReduceOp::Mean => g
                    .unary(UnaryOp::MulScalar, 1.0 / n)
                    .broadcast_to(x.shape())?
                    .contiguous(),
                ReduceOp::Max | ReduceOp::Min => {
                    // Shared equally among tied extremes.
                    let mask = x.binary(BinaryOp::Eq, y)?;
                    let count = mask.sum(axis)?;
                    mask.mul(&g.div(&count)?)?
                }
                ReduceOp::LogSumExp => x.sub(y)?.unary(UnaryOp::Exp, 0.0).mul(g)?,
                ReduceOp::ArgMax => return Ok(vec![None]),
            };
            Ok(vec![Some(d)])
        });
        Ok(self.op(y, &[*self], bw))
    }

    pub fn matmul(&self, other: &Var<'t>) -> Result<Var<'t>> {
        let y = self.value().matmul(&other.value())?;
        let bw: Backward = Box::new(move |g, xs, _| {
            let (a, b) = (&xs[0], &xs[1]);
            let t = |m: &Tensor| {
                let r = m.shape().len();
                m.transpose(r - 2, r - 1)
            };
            let ga = g.matmul(&t(b)?)?;
            let gb = t(a)?.matmul(g)?;
            Ok(vec![
                Some(sum_to(&ga, a.shape())?),
                Some(sum_to(&gb, b.shape())?),
            ])
        });
        Ok(self.op(y, &[*self, *other], bw))
    }

    pub fn reshape(&self, shape: &[usize]) -> Result<Var<'t>> {
        let y = self.value().reshape(shape)?;
        let bw: Backward = Box::new(|g, xs, _| Ok(vec![Some(g.reshape(xs[0].shape())?)]));
        Ok(self.op(y, &[*self], bw))
    }

    pub fn transpose(&self, a: usize, b: usize) -> Result<Var<'t>> {
        let y = self.value().transpose(a, b)?.contiguous();
        let bw: Backward = Box::new(move |g, _, _| Ok(vec![Some(g.transpose(a, b)?.contiguous())]));
        Ok(self.op(y, &[*self], bw))
    }

    /// `self` where `cond` is non-zero, else `other`; `cond` gets no gradient.
    pub fn where_(cond: &Tensor, a: &Var<'t>, b: &Var<'t>) -> Result<Var<'t>> {
        let y = Tensor::where_(cond, &a.value(), &b.value())?;
        let c = cond.clone();
        let bw: Backward = Box::new(move |g, xs, _| {
            let zero = scalar(0.0, &g.device());
            let ga = Tensor::where_(&c, g, &zero)?;
            let gb = Tensor::where_(&c, &zero, g)?;
            Ok(vec![
                Some(sum_to(&ga, xs[0].shape())?),
                Some(sum_to(&gb, xs[1].shape())?),
            ])
        });
        Ok(a.op(y, &[*a, *b], bw))
    }

    /// Elements `start..start + len` along `axis`.
    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Var<'t>> {
        let y = self.value().narrow(axis, start, len)?.contiguous();
        let bw: Backward = Box::new(move |g, xs, _| {
            let full = xs[0].shape()[axis];
            let dev = g.device();
            let mut parts = Vec::new();
            let zeros = |n: usize| {
                let mut s = xs[0].shape().to_vec();
                s[axis] = n;
                Tensor::zeros(&s, &dev)
            };
            if start > 0 {
                parts.push(zeros(start));
            }
            parts.push(g.clone());
            if start + len < full {
                parts.push(zeros(full - start - len));
            }
            Ok(vec![Some(Tensor::concat(&parts, axis)?)])
        });
        Ok(self.op(y, &[*self], bw))
    }

    /// Joins variables along `axis`.
    pub fn concat(parts: &[Var<'t>], axis: usize) -> Result<Var<'t>> {
        let first = parts
            .first()
            .ok_or_else(|| ShapeError("concat of nothing".into()))?;
        let y = Tensor::concat(&parts.iter().map(|p| p.value()).collect::<Vec<_>>(), axis)?;
        let bw: Backward = Box::new(move |g, xs, _| {
            let mut start = 0;
            xs.iter()
                .map(|x| {
                    let len = x.shape()[axis];
                    let part = g.narrow(axis, start, len)?.contiguous();
                    start += len;
                    Ok(Some(part))
                })
                .collect()
        });
        Ok(first.op(y, parts, bw))
    }

    /// Embedding lookup: rows of this [rows, cols] table picked by `idx`. The table's
    /// gradient is onehot(idx)ᵀ · g, so rows used twice collect both contributions.
    pub fn gather_rows(&self, idx: &Tensor) -> Result<Var<'t>> {
        let y = self.value().gather_rows(idx)?;
        let idx = idx.clone();
        let bw: Backward = Box::new(move |g, xs, _| {
            let (rows, cols) = (xs[0].shape()[0], xs[0].shape()[1]);
            let n = idx.numel();
            let dev = g.device();
            let ids = Tensor::new((0..rows).map(|r| r as f32).collect(), &[1, rows], &dev)?;
            let one_hot = idx.reshape(&[n, 1])?.binary(BinaryOp::Eq, &ids)?; // [n, rows]
            let gt = one_hot.transpose(0, 1)?.matmul(&g.reshape(&[n, cols])?)?;
            Ok(vec![Some(gt)])
        });
        Ok(self.op(y, &[*self], bw))
    }

    /// Rows along the last axis standardised ([`Tensor::standardise`]). With y = x̂ and
    /// σ = √(var + eps), the gradient is (g − mean(g) − y · mean(g · y)) / σ, means over
    /// the row.
    pub fn standardise(&self, eps: f32) -> Result<Var<'t>> {
        let y = self.value().standardise(eps)?;
        let bw: Backward = Box::new(move |g, xs, y| {
            let last = g.shape().len() - 1;
            let x = &xs[0];
            let d = x.sub(&x.reduce(ReduceOp::Mean, last)?)?;
            let sigma = d
                .mul(&d)?
                .reduce(ReduceOp::Mean, last)?
                .unary(UnaryOp::AddScalar, eps)
                .unary(UnaryOp::Sqrt, 0.0);
            let gy = g.mul(y)?.reduce(ReduceOp::Mean, last)?;
            let dx = g
                .sub(&g.reduce(ReduceOp::Mean, last)?)?
                .sub(&y.mul(&gy)?)?
                .div(&sigma)?;
            Ok(vec![Some(dx)])
        });
        Ok(self.op(y, &[*self], bw))
    }

    /// im2col; its gradient is col2im of the output gradient.
    pub fn unfold(&self, kh: usize, kw: usize, stride: usize, pad: usize) -> Result<Var<'t>> {
        let y = self.value().unfold(kh, kw, stride, pad)?;
        let bw: Backward =
            Box::new(move |g, xs, _| Ok(vec![Some(g.fold(xs[0].shape(), kh, kw, stride, pad)?)]));
        Ok(self.op(y, &[*self], bw))
    }

    /// col2im into an image of shape `image`; its gradient is im2col.
    pub fn fold(
        &self,
        image: &[usize],
        kh: usize,
        kw: usize,
        stride: usize,
        pad: usize,
    ) -> Result<Var<'t>> {
        let y = self.value().fold(image, kh, kw, stride, pad)?;
        let bw: Backward = Box::new(move |g, _, _| Ok(vec![Some(g.unfold(kh, kw, stride, pad)?)]));
        Ok(self.op(y, &[*self], bw))
    }

    /// This value broadcast to `shape`; the gradient is summed back.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Var<'t>> {
        let y = self.value().broadcast_to(shape)?.contiguous();
        let bw: Backward = Box::new(|g, xs, _| Ok(vec![Some(sum_to(g, xs[0].shape())?)]));
        Ok(self.op(y, &[*self], bw))
    }

    // Conveniences, all built from the primitives above.
    pub fn add(&self, o: &Var<'t>) -> Result<Var<'t>> {
        self.binary(BinaryOp::Add, o)
    }
    pub fn sub(&self, o: &Var<'t>) -> Result<Var<'t>> {
        self.binary(BinaryOp::Sub, o)
    }
    pub fn mul(&self, o: &Var<'t>) -> Result<Var<'t>> {
        self.binary(BinaryOp::Mul, o)
    }
    pub fn div(&self, o: &Var<'t>) -> Result<Var<'t>> {
        self.binary(BinaryOp::Div, o)
    }
    pub fn scale(&self, s: f32) -> Result<Var<'t>> {
        self.unary(UnaryOp::MulScalar, s)
    }
    pub fn sum(&self, axis: usize) -> Result<Var<'t>> {
        self.reduce(ReduceOp::Sum, axis)
    }
    pub fn mean(&self, axis: usize) -> Result<Var<'t>> {
        self.reduce(ReduceOp::Mean, axis)
    }
    /// The mean of every element, as a scalar of shape [].
    pub fn mean_all(&self) -> Result<Var<'t>> {
        let n: usize = self.shape().iter().product();
        self.reshape(&[n])?.mean(0)?.reshape(&[])
    }
    pub fn log_softmax(&self, axis: usize) -> Result<Var<'t>> {
        self.sub(&self.reduce(ReduceOp::LogSumExp, axis)?)
    }
    pub fn softmax(&self, axis: usize) -> Result<Var<'t>> {
        self.log_softmax(axis)?.unary(UnaryOp::Exp, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_accumulate_when_a_value_is_used_twice() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![3.0], &[1]).unwrap());
        let y = x.mul(&x).unwrap().add(&x).unwrap(); // x² + x
        let g = tape.backward(y).unwrap();
        assert_eq!(g.get(x).unwrap().cpu_values().unwrap(), vec![7.0]);
    }

    #[test]
    fn broadcast_gradients_are_summed_back() {
        let tape = Tape::new();
        let a = tape.leaf(Tensor::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]).unwrap());
        let b = tape.leaf(Tensor::from_vec(vec![1., 1., 1.], &[3]).unwrap());
        let y = a.mul(&b).unwrap().sum(1).unwrap().sum(0).unwrap();
        let g = tape.backward(y).unwrap();
        assert_eq!(g.get(b).unwrap().cpu_values().unwrap(), vec![5., 7., 9.]);
        assert_eq!(g.get(a).unwrap().shape(), &[2, 3]);
    }
}
