//! Training loops that a page can drive: a [`Trainer`] runs a model's steps in short
//! chunks (so the page can yield to the browser between them and never freeze), reports
//! metrics for progress bars and loss curves, stops and resumes at any chunk boundary,
//! refuses to go on when a loss turns NaN or infinite (naming the step), and, when the GPU
//! device is lost, carries on on the CPU from the last snapshot of the weights.

pub mod run;

use crate::autodiff::{Tape, Var};
use crate::nn::optim::Optimizer;
use crate::nn::Params;
use crate::tensor::{Device, TensorError};

/// One step's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub step: u64,
    pub loss: f32,
    /// Named parts of the loss (e.g. reconstruction and KL), as the model reports them.
    pub parts: Vec<(String, f32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// The loss (or a part of it) was NaN or infinite; the weights are those from before it.
    NonFinite {
        step: u64,
        what: String,
    },
    Tensor(TensorError),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::NonFinite { step, what } => write!(
                f,
                "training stopped at step {step}: {what} is not a finite number"
            ),
            TrainError::Tensor(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TrainError {}

impl From<TensorError> for TrainError {
    fn from(e: TensorError) -> Self {
        TrainError::Tensor(e)
    }
}

/// What happened in one chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub metrics: Vec<Metrics>,
    /// Set when the GPU failed during the chunk and training moved to the CPU: the message,
    /// and the step training went back to (the last snapshot).
    pub fell_back: Option<(String, u64)>,
}

/// A loss function: given the tape, the bound parameters, the step number and the device
/// the parameters live on (data must be put there: it changes if the GPU is lost), the
/// loss and any named parts of it.
pub trait LossFn:
    for<'t> Fn(
    &'t Tape,
    &[Var<'t>],
    u64,
    &Device,
) -> Result<(Var<'t>, Vec<(String, Var<'t>)>), TensorError>
{
}
impl<F> LossFn for F where
    F: for<'t> Fn(
        &'t Tape,
        &[Var<'t>],
        u64,
        &Device,
    ) -> Result<(Var<'t>, Vec<(String, Var<'t>)>), TensorError>
{
}

/// Gives a closure the signature of a [`LossFn`] (Rust infers the higher-ranked
/// lifetimes of a closure only when it is passed straight to such a bound).
pub fn loss_fn<F>(f: F) -> F
where
    F: for<'t> Fn(
        &'t Tape,
        &[Var<'t>],
        u64,
        &Device,
    ) -> Result<(Var<'t>, Vec<(String, Var<'t>)>), TensorError>,
{
    f
}

pub struct Trainer {
    pub params: Params,
    pub opt: Optimizer,
    pub device: Device,
    /// Steps completed.
    pub step: u64,
    pub history: Vec<Metrics>,
    /// CPU copies of the weights and optimiser state at `snapshot_step`.
    snapshot: (u64, Params, Optimizer),
}

impl Trainer {
    /// `params` may live anywhere; they are moved to `device`.
    pub async fn new(
        params: Params,
        opt: Optimizer,
        device: Device,
    ) -> Result<Trainer, TrainError> {
        let cpu = params.to_cpu().await?;
        let snapshot = (0, cpu.clone(), opt.to_cpu().await?);
        Ok(Trainer {
            params: cpu.to_device(&device),
            opt: opt.to_device(&device),
            device,
            step: 0,
            history: Vec::new(),
            snapshot,
        })
    }

    async fn one_step(&mut self, loss_fn: &impl LossFn) -> Result<Metrics, TrainError> {
        let step = self.step + 1;
        let tape = Tape::new();
        let p = self.params.bind(&tape);
        let (loss, parts) = loss_fn(&tape, &p, step, &self.device)?;
        let grads = tape.backward(loss)?;
        let l = loss.value().to_vec().await?[0];
        let mut named = Vec::with_capacity(parts.len());
        for (name, v) in &parts {
            named.push((name.clone(), v.value().to_vec().await?[0]));
        }
        // Check before updating, so the weights stay those of the last good step.
        if !l.is_finite() {
            return Err(TrainError::NonFinite {
                step,
                what: "the loss".into(),
            });
        }
        if let Some((n, _)) = named.iter().find(|(_, v)| !v.is_finite()) {
            return Err(TrainError::NonFinite {
                step,
                what: n.clone(),
            });
        }
        self.opt.step(&mut self.params, &p, &grads)?;
        self.step = step;
        Ok(Metrics {
            step,
            loss: l,
            parts: named,
        })
    }

    /// Runs up to `steps` steps, then snapshots the weights to the CPU. A GPU failure
    /// moves training to the CPU from the last snapshot and the chunk ends there.
    pub async fn run(&mut self, steps: usize, loss_fn: &impl LossFn) -> Result<Chunk, TrainError> {
        let mut metrics = Vec::with_capacity(steps);
        for _ in 0..steps {
            match self.one_step(loss_fn).await {
                Ok(m) => {
                    self.history.push(m.clone());
                    metrics.push(m);
                }
                Err(TrainError::Tensor(TensorError::Gpu(e))) => {
                    return Ok(self.fall_back(e.0, metrics))
                }
                Err(e) => return Err(e),
            }
        }
        match self.take_snapshot().await {
            Ok(()) => Ok(Chunk {
                metrics,
                fell_back: None,
            }),
            Err(TensorError::Gpu(e)) => Ok(self.fall_back(e.0, metrics)),
            Err(e) => Err(e.into()),
        }
    }

    async fn take_snapshot(&mut self) -> Result<(), TensorError> {
        self.snapshot = (
            self.step,
            self.params.to_cpu().await?,
            self.opt.to_cpu().await?,
        );
        Ok(())
    }

    fn fall_back(&mut self, why: String, mut metrics: Vec<Metrics>) -> Chunk {
        let (at, params, opt) = self.snapshot.clone();
        self.device = Device::Cpu;
        self.params = params;
        self.opt = opt;
        self.step = at;
        self.history.retain(|m| m.step <= at);
        metrics.retain(|m| m.step <= at);
        Chunk {
            metrics,
            fell_back: Some((why, at)),
        }
    }

    /// The CPU copy of the weights taken at the end of the last chunk, and its step (cheap:
    /// no GPU readback; what a page shows while training runs).
    pub fn snapshot_params(&self) -> (u64, &Params) {
        (self.snapshot.0, &self.snapshot.1)
    }

    /// Moves training to another device (the reader's switch), from the current weights.
    pub async fn switch_device(&mut self, device: Device) -> Result<(), TrainError> {
        self.take_snapshot().await?;
        self.params = self.snapshot.1.to_device(&device);
        self.opt = self.snapshot.2.to_device(&device);
        self.device = device;
        Ok(())
    }
}
