//! An f32 tensor with one API over two backends: the CPU (ndarray, the reference) and the
//! GPU (wgpu compute kernels). Views share storage; every op returns a new contiguous
//! tensor on the same device as its inputs. Only reading values back from the GPU is
//! asynchronous.

mod adam;
mod conv;
pub mod cpu;
mod draw;
pub mod gpu;
mod join;
pub mod op;
pub mod shape;
pub mod simd;

pub use op::{AdamStep, BinaryOp, ReduceOp, UnaryOp};
pub use shape::{Layout, ShapeError};

use gpu::{Gpu, GpuBuffer, GpuError};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum TensorError {
    Shape(ShapeError),
    /// Inputs live on different devices.
    Device(String),
    Gpu(GpuError),
}

impl std::fmt::Display for TensorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TensorError::Shape(e) => write!(f, "shape error: {e}"),
            TensorError::Device(e) => write!(f, "device error: {e}"),
            TensorError::Gpu(e) => write!(f, "GPU error: {e}"),
        }
    }
}

impl std::error::Error for TensorError {}

impl From<ShapeError> for TensorError {
    fn from(e: ShapeError) -> Self {
        TensorError::Shape(e)
    }
}

impl From<GpuError> for TensorError {
    fn from(e: GpuError) -> Self {
        TensorError::Gpu(e)
    }
}

pub type Result<T> = std::result::Result<T, TensorError>;

/// Where a tensor's storage lives.
#[derive(Clone, Debug)]
pub enum Device {
    Cpu,
    Gpu(Arc<Gpu>),
}

impl Device {
    pub fn name(&self) -> String {
        match self {
            Device::Cpu => "CPU".into(),
            Device::Gpu(g) => g.adapter.clone(),
        }
    }
    fn same(&self, other: &Device) -> bool {
        match (self, other) {
            (Device::Cpu, Device::Cpu) => true,
            (Device::Gpu(a), Device::Gpu(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

#[derive(Clone, Debug)]
enum Storage {
    Cpu(Arc<Vec<f32>>),
    Gpu(GpuBuffer),
}

#[derive(Clone, Debug)]
pub struct Tensor {
    layout: Layout,
    storage: Storage,
}

impl Tensor {
    /// A CPU tensor from row-major values.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
        cpu::keep_freed_memory();
        if data.len() != shape::numel(shape) {
            return Err(
                ShapeError(format!("{} values cannot fill shape {shape:?}", data.len())).into(),
            );
        }
        Ok(Tensor {
            layout: Layout::contiguous(shape),
            storage: Storage::Cpu(Arc::new(data)),
        })
    }

    pub fn new(data: Vec<f32>, shape: &[usize], device: &Device) -> Result<Tensor> {
        Ok(Tensor::from_vec(data, shape)?.to_device(device))
    }

    pub fn full(value: f32, shape: &[usize], device: &Device) -> Tensor {
        Tensor::new(vec![value; shape::numel(shape)], shape, device).expect("shape and data agree")
    }

    pub fn zeros(shape: &[usize], device: &Device) -> Tensor {
        Tensor::full(0.0, shape, device)
    }

    pub fn shape(&self) -> &[usize] {
        &self.layout.shape
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn numel(&self) -> usize {
        self.layout.numel()
    }

    pub fn device(&self) -> Device {
        match &self.storage {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Gpu(b) => Device::Gpu(b.gpu.clone()),
        }
    }

    /// Copies to `device` (an upload is synchronous; a download needs [`Tensor::to_vec`]).
    pub fn to_device(&self, device: &Device) -> Tensor {
        match (&self.storage, device) {
            (Storage::Cpu(d), Device::Gpu(g)) => {
                let v = cpu::contiguous(d, &self.layout);
                Tensor {
                    layout: Layout::contiguous(self.shape()),
                    storage: Storage::Gpu(g.upload(&v)),
                }
            }
            _ => self.clone(),
        }
    }

    /// The values in row-major order, wherever they live.
    pub async fn to_vec(&self) -> Result<Vec<f32>> {
        match &self.storage {
            Storage::Cpu(d) => Ok(cpu::contiguous(d, &self.layout)),
            Storage::Gpu(b) => {
                let t = self.contiguous();
                let Storage::Gpu(c) = &t.storage else {
                    unreachable!()
                };
                Ok(b.gpu.read(&c.buf, t.numel()).await?)
            }
        }
    }

    /// A CPU copy of a GPU tensor (asynchronous); a CPU tensor is returned as it is.
    pub async fn to_cpu(&self) -> Result<Tensor> {
        match &self.storage {
            Storage::Cpu(_) => Ok(self.clone()),
            Storage::Gpu(_) => Tensor::from_vec(self.to_vec().await?, self.shape()),
        }
    }

    /// The values of a CPU tensor, or an error that says the tensor lives on the GPU (read
    /// it back with `to_vec`): for code that runs on the CPU and must not silently do
    /// nothing elsewhere.
    pub fn cpu_vec(&self) -> Result<Vec<f32>> {
        self.cpu_values().ok_or_else(|| {
            TensorError::Device("values asked for at once of a GPU tensor (use to_vec)".into())
        })
    }

    /// The values of a CPU tensor, without waiting; `None` for a GPU tensor.
    pub fn cpu_values(&self) -> Option<Vec<f32>> {
        match &self.storage {
            Storage::Cpu(d) => Some(cpu::contiguous(d, &self.layout)),
            Storage::Gpu(_) => None,
        }
    }

    /// The CPU values behind this tensor (any view of them), or a device error.
    fn cpu_storage(&self) -> Result<&Arc<Vec<f32>>> {
        match &self.storage {
            Storage::Cpu(d) => Ok(d),
            Storage::Gpu(_) => Err(TensorError::Device(
                "a CPU tensor was mixed with a GPU one".into(),
            )),
        }
    }

    /// The GPU buffer behind this tensor (any view of it), or a device error.
    fn gpu_storage(&self) -> Result<&GpuBuffer> {
        match &self.storage {
            Storage::Gpu(b) => Ok(b),
            Storage::Cpu(_) => Err(TensorError::Device(
                "a GPU tensor was mixed with a CPU one".into(),
            )),
        }
    }

    fn view(&self, layout: Layout) -> Tensor {
        Tensor {
            layout,
            storage: self.storage.clone(),
        }
    }

    pub fn permute(&self, perm: &[usize]) -> Result<Tensor> {
        Ok(self.view(self.layout.permute(perm)?))
    }

    /// Swaps two axes (a view; no copy).
    pub fn transpose(&self, a: usize, b: usize) -> Result<Tensor> {
        let mut perm: Vec<usize> = (0..self.layout.rank()).collect();
        if a >= perm.len() || b >= perm.len() {
            return Err(ShapeError(format!(
                "transpose({a}, {b}) of a rank-{} tensor",
                perm.len()
            ))
            .into());
        }
        perm.swap(a, b);
        self.permute(&perm)
    }

    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        Ok(self.view(self.layout.broadcast_to(shape)?))
    }

    pub fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Tensor> {
        Ok(self.view(self.layout.narrow(axis, start, len)?))
    }

    /// A copy in row-major order (or the tensor itself if it already is).
    pub fn contiguous(&self) -> Tensor {
        if self.layout.is_contiguous() {
            return self.clone();
        }
        self.unary(UnaryOp::MulScalar, 1.0)
    }

    /// Same values, new shape with the same number of elements.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor> {
        if shape::numel(shape) != self.numel() {
            return Err(
                ShapeError(format!("cannot reshape {:?} into {shape:?}", self.shape())).into(),
            );
        }
        let c = self.contiguous();
        Ok(Tensor {
            layout: Layout::contiguous(shape),
            storage: c.storage,
        })
    }

    pub fn unary(&self, op: UnaryOp, p: f32) -> Tensor {
        let shape = self.shape().to_vec();
        let storage = match &self.storage {
            Storage::Cpu(d) => Storage::Cpu(Arc::new(cpu::unary(op, p, d, &self.layout))),
            Storage::Gpu(b) => Storage::Gpu(b.gpu.unary(op, p, b, &self.layout)),
        };
        Tensor {
            layout: Layout::contiguous(&shape),
            storage,
        }
    }

    pub fn binary(&self, op: BinaryOp, other: &Tensor) -> Result<Tensor> {
        let shape = shape::broadcast_shapes(self.shape(), other.shape())?;
        let la = self.layout.broadcast_to(&shape)?;
        let lb = other.layout.broadcast_to(&shape)?;
        let storage = match (&self.storage, &other.storage) {
            (Storage::Cpu(a), Storage::Cpu(b)) => {
                Storage::Cpu(Arc::new(cpu::binary(op, a, &la, b, &lb)))
            }
            (Storage::Gpu(a), Storage::Gpu(b)) if Arc::ptr_eq(&a.gpu, &b.gpu) => {
                Storage::Gpu(a.gpu.binary(op, a, &la, b, &lb))
            }
            _ => return Err(self.device_mismatch(other)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(&shape),
            storage,
        })
    }

    fn device_mismatch(&self, other: &Tensor) -> TensorError {
        TensorError::Device(format!(
            "one input is on {}, the other on {}",
            self.device().name(),
            other.device().name()
        ))
    }

    /// Reduces along `axis`, keeping it with size 1.
    pub fn reduce(&self, op: ReduceOp, axis: usize) -> Result<Tensor> {
        if axis >= self.layout.rank() || self.shape()[axis] == 0 {
            return Err(ShapeError(format!(
                "cannot reduce axis {axis} of shape {:?}",
                self.shape()
            ))
            .into());
        }
        let mut out = self.shape().to_vec();
        out[axis] = 1;
        let storage = match &self.storage {
            Storage::Cpu(d) => Storage::Cpu(Arc::new(cpu::reduce(op, d, &self.layout, axis))),
            Storage::Gpu(b) => Storage::Gpu(b.gpu.reduce(op, b, &self.layout, axis)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(&out),
            storage,
        })
    }

    /// Matrix product of the last two axes, batched (and broadcast) over the others.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let (ra, rb) = (self.layout.rank(), other.layout.rank());
        if ra < 2 || rb < 2 {
            return Err(ShapeError(format!(
                "matmul needs two matrices, got {:?} and {:?}",
                self.shape(),
                other.shape()
            ))
            .into());
        }
        let (m, k, k2, n) = (
            self.shape()[ra - 2],
            self.shape()[ra - 1],
            other.shape()[rb - 2],
            other.shape()[rb - 1],
        );
        if k != k2 {
            return Err(ShapeError(format!(
                "matmul of {:?} by {:?}: inner sizes {k} and {k2} differ",
                self.shape(),
                other.shape()
            ))
            .into());
        }
        if !self.device().same(&other.device()) {
            return Err(self.device_mismatch(other));
        }
        let batch_shape =
            shape::broadcast_shapes(&self.shape()[..ra - 2], &other.shape()[..rb - 2])?;
        let batch = shape::numel(&batch_shape);
        // Bring both operands to [batch, rows, cols] views; a batch that cannot be one
        // stride (several broadcast axes) is made contiguous first.
        let to3 = |t: &Tensor, rows: usize, cols: usize| -> Result<Layout> {
            let mut full = batch_shape.clone();
            full.extend([rows, cols]);
            let l = t.layout.broadcast_to(&full)?;
            let r = l.rank();
            let bs = &l.strides[..r - 2];
            let stride = bs.last().copied().unwrap_or(0);
            let uniform = (0..bs.len()).all(|i| {
                let inner: usize = l.shape[i + 1..r - 2].iter().product();
                bs[i] == stride * inner
            });
            if uniform {
                Ok(Layout {
                    shape: vec![batch, rows, cols],
                    strides: vec![stride, l.strides[r - 2], l.strides[r - 1]],
                    offset: l.offset,
                })
            } else {
                Err(ShapeError("non-uniform batch strides".into()).into())
            }
        };
        let prep = |t: &Tensor, rows: usize, cols: usize| -> Result<(Tensor, Layout)> {
            match to3(t, rows, cols) {
                Ok(l) => Ok((t.clone(), l)),
                Err(_) => {
                    let mut full = batch_shape.clone();
                    full.extend([rows, cols]);
                    let c = t.broadcast_to(&full)?.contiguous();
                    let l = Layout::contiguous(&[batch, rows, cols]);
                    Ok((c, l))
                }
            }
        };
        let (ta, la) = prep(self, m, k)?;
        let (tb, lb) = prep(other, k, n)?;
        let storage = match (&ta.storage, &tb.storage) {
            (Storage::Cpu(a), Storage::Cpu(b)) => {
                Storage::Cpu(Arc::new(cpu::matmul(a, &la, b, &lb)))
            }
            (Storage::Gpu(a), Storage::Gpu(b)) => Storage::Gpu(a.gpu.matmul(a, &la, b, &lb)),
            _ => return Err(self.device_mismatch(other)),
        };
        let mut out = batch_shape;
        out.extend([m, n]);
        Ok(Tensor {
            layout: Layout::contiguous(&out),
            storage,
        })
    }

    /// Each row along the last axis standardised: (x − mean) / √(var + eps), with the
    /// biased variance. One kernel for what would otherwise be seven element-wise and
    /// reduction dispatches (layer and group norm).
    pub fn standardise(&self, eps: f32) -> Result<Tensor> {
        let Some(&len) = self.shape().last() else {
            return Err(ShapeError("standardise needs at least one axis".into()).into());
        };
        let x = self.contiguous();
        let storage = match &x.storage {
            Storage::Cpu(d) => Storage::Cpu(Arc::new(cpu::standardise(d, len, eps))),
            Storage::Gpu(b) => Storage::Gpu(b.gpu.standardise(b, x.numel(), len, eps)),
        };
        Ok(Tensor {
            layout: Layout::contiguous(self.shape()),
            storage,
        })
    }

    // Named conveniences over the primitives.
    pub fn add(&self, o: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Add, o)
    }
    pub fn sub(&self, o: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Sub, o)
    }
    pub fn mul(&self, o: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Mul, o)
    }
    pub fn div(&self, o: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Div, o)
    }
    pub fn sum(&self, axis: usize) -> Result<Tensor> {
        self.reduce(ReduceOp::Sum, axis)
    }
    pub fn max(&self, axis: usize) -> Result<Tensor> {
        self.reduce(ReduceOp::Max, axis)
    }

    /// softmax along `axis`: exp(x − logsumexp(x)).
    pub fn softmax(&self, axis: usize) -> Result<Tensor> {
        Ok(self.log_softmax(axis)?.unary(UnaryOp::Exp, 0.0))
    }

    /// log-softmax along `axis`: x − logsumexp(x), stable for large x.
    pub fn log_softmax(&self, axis: usize) -> Result<Tensor> {
        self.sub(&self.reduce(ReduceOp::LogSumExp, axis)?)
    }
}

/// Runs a future to completion on native targets (tests, training, benches).
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], s: &[usize]) -> Tensor {
        Tensor::from_vec(v.to_vec(), s).unwrap()
    }
    fn vals(t: &Tensor) -> Vec<f32> {
        t.cpu_values().unwrap()
    }

    #[test]
    fn standardise_matches_the_formula() {
        // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25; a constant row gives zeros.
        let y = vals(
            &t(&[1., 2., 3., 4., 7., 7., 7., 7.], &[2, 4])
                .standardise(0.01)
                .unwrap(),
        );
        let s = (1.25f32 + 0.01).sqrt();
        let want = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s, 0., 0., 0., 0.];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{y:?}");
        }
        // A long row (the eight-lane sums and their remainder) against the two-pass
        // definition in f64.
        let x: Vec<f32> = (0..1003)
            .map(|i| ((i * 37) % 101) as f32 * 0.3 - 9.0)
            .collect();
        let y = vals(&t(&x, &[1, 1003]).standardise(1e-5).unwrap());
        let m = x.iter().map(|&v| v as f64).sum::<f64>() / 1003.0;
        let v = x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / 1003.0;
        for (a, &b) in y.iter().zip(&x) {
            let want = (b as f64 - m) / (v + 1e-5).sqrt();
            assert!((*a as f64 - want).abs() < 1e-5, "{a} vs {want}");
        }
    }

    #[test]
    fn broadcasting_binary_ops() {
        let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let b = t(&[10., 20., 30.], &[3]);
        assert_eq!(
            vals(&a.add(&b).unwrap()),
            vec![11., 22., 33., 14., 25., 36.]
        );
        let c = t(&[1., 2.], &[2, 1]);
        assert_eq!(vals(&a.mul(&c).unwrap()), vec![1., 2., 3., 8., 10., 12.]);
        assert!(a.add(&t(&[1., 2.], &[2])).is_err());
    }

    #[test]
    fn reductions_and_views() {
        let a = t(&[1., 5., 3., 4., 2., 6.], &[2, 3]);
        assert_eq!(vals(&a.sum(1).unwrap()), vec![9., 12.]);
        assert_eq!(vals(&a.max(0).unwrap()), vec![4., 5., 6.]);
        assert_eq!(vals(&a.reduce(ReduceOp::ArgMax, 1).unwrap()), vec![1., 2.]);
        let at = a.transpose(0, 1).unwrap();
        assert_eq!(at.shape(), &[3, 2]);
        assert_eq!(vals(&at), vec![1., 4., 5., 2., 3., 6.]);
        assert_eq!(vals(&at.sum(1).unwrap()), vec![5., 7., 9.]);
        let s = a.softmax(1).unwrap();
        let row: f32 = vals(&s)[..3].iter().sum();
        assert!((row - 1.0).abs() < 1e-6);
    }

    #[test]
    fn matmul_with_transposed_and_batched_operands() {
        let a = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        let b = t(&[1., 0., 0., 1., 1., 1.], &[3, 2]);
        assert_eq!(vals(&a.matmul(&b).unwrap()), vec![4., 5., 10., 11.]);
        // (Aᵀ)ᵀ · B through a view.
        let at = t(&[1., 4., 2., 5., 3., 6.], &[3, 2])
            .transpose(0, 1)
            .unwrap();
        assert_eq!(vals(&at.matmul(&b).unwrap()), vec![4., 5., 10., 11.]);
        // A batch of two against one shared B.
        let a2 = t(
            &[1., 2., 3., 4., 5., 6., 0., 0., 0., 1., 1., 1.],
            &[2, 2, 3],
        );
        let c = a2.matmul(&b).unwrap();
        assert_eq!(c.shape(), &[2, 2, 2]);
        assert_eq!(vals(&c), vec![4., 5., 10., 11., 0., 0., 2., 2.]);
        assert!(a.matmul(&a).is_err());
    }
}
