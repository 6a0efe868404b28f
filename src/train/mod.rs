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

/// A loss value and its named parts, on a tape.
pub type LossParts<'t> = (Var<'t>, Vec<(String, Var<'t>)>);

/// A loss function: given the tape, the bound parameters, the step number and the device
/// the parameters live on (data must be put there: it changes if the GPU is lost), the
/// loss and any named parts of it.
pub trait LossFn:
    for<'t> Fn(&'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>
{
}
impl<F> LossFn for F where
    F: for<'t> Fn(&'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>
{
}

/// Gives a closure the signature of a [`LossFn`] (Rust infers the higher-ranked
/// lifetimes of a closure only when it is passed straight to such a bound).
pub fn loss_fn<F>(f: F) -> F
where
    F: for<'t> Fn(&'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>,
{
    f
}

/// A loss per parameter group: given the group's index (in [`Trainer::groups`] order), the
/// tape, all bound parameters, the step and the device, that group's loss and its parts.
pub trait GroupLossFn:
    for<'t> Fn(usize, &'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>
{
}
impl<F> GroupLossFn for F where
    F: for<'t> Fn(usize, &'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>
{
}

/// Gives a closure the signature of a [`GroupLossFn`] (see [`loss_fn`]).
pub fn group_loss_fn<F>(f: F) -> F
where
    F: for<'t> Fn(usize, &'t Tape, &[Var<'t>], u64, &Device) -> Result<LossParts<'t>, TensorError>,
{
    f
}

/// One part of a training step: the parameters it updates (indices into the trainer's
/// [`Params`]), with its own optimiser, from its own loss. A GAN has two (the
/// discriminator, then the generator); an ordinary model has one holding everything.
#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub params: Vec<usize>,
    pub opt: Optimizer,
}

impl Group {
    pub fn new(
        name: impl Into<String>,
        params: impl IntoIterator<Item = usize>,
        opt: Optimizer,
    ) -> Self {
        Group {
            name: name.into(),
            params: params.into_iter().collect(),
            opt,
        }
    }
}

pub struct Trainer {
    pub params: Params,
    /// Updated in this order within every step; each group's loss sees the groups before it
    /// already updated.
    pub groups: Vec<Group>,
    pub device: Device,
    /// Steps completed.
    pub step: u64,
    pub history: Vec<Metrics>,
    /// CPU copies of the weights and optimiser states at `snapshot_step`.
    snapshot: (u64, Params, Vec<Optimizer>),
}

impl Trainer {
    /// One group holding every parameter. `params` may live anywhere; they are moved to
    /// `device`.
    pub async fn new(
        params: Params,
        opt: Optimizer,
        device: Device,
    ) -> Result<Trainer, TrainError> {
        let all = Group::new("all", 0..params.values.len(), opt);
        Self::with_groups(params, vec![all], device).await
    }

    /// A step made of several groups, each updated from its own loss in turn.
    pub async fn with_groups(
        params: Params,
        groups: Vec<Group>,
        device: Device,
    ) -> Result<Trainer, TrainError> {
        let cpu = params.to_cpu().await?;
        let mut opts = Vec::with_capacity(groups.len());
        for g in &groups {
            opts.push(g.opt.to_cpu().await?);
        }
        let groups = groups
            .into_iter()
            .map(|g| Group {
                opt: g.opt.to_device(&device),
                ..g
            })
            .collect();
        Ok(Trainer {
            params: cpu.to_device(&device),
            groups,
            device,
            step: 0,
            history: Vec::new(),
            snapshot: (0, cpu, opts),
        })
    }

    /// One group's loss, backward pass and update; its loss and named parts as numbers.
    async fn group_step(
        &mut self,
        g: usize,
        step: u64,
        loss_fn: &impl GroupLossFn,
    ) -> Result<(f32, Vec<(String, f32)>), TrainError> {
        let tape = Tape::new();
        let p = self.params.bind(&tape);
        let (loss, parts) = loss_fn(g, &tape, &p, step, &self.device)?;
        let grads = tape.backward(loss)?;
        let l = loss.value().to_vec().await?[0];
        let mut named = Vec::with_capacity(parts.len());
        for (name, v) in &parts {
            named.push((name.clone(), v.value().to_vec().await?[0]));
        }
        // Check before updating, so the weights stay those of the last good step.
        let several = self.groups.len() > 1;
        let whose = |what: &str| {
            if several {
                format!("{what} of {}", self.groups[g].name)
            } else {
                what.to_string()
            }
        };
        if !l.is_finite() {
            return Err(TrainError::NonFinite {
                step,
                what: whose("the loss"),
            });
        }
        if let Some((n, _)) = named.iter().find(|(_, v)| !v.is_finite()) {
            return Err(TrainError::NonFinite {
                step,
                what: whose(n),
            });
        }
        let group = &mut self.groups[g];
        let mine = &group.params;
        group
            .opt
            .step_only(&mut self.params, &p, &grads, |i| mine.contains(&i))?;
        Ok((l, named))
    }

    /// One step: every group in turn. With one group, the metrics are its loss and parts;
    /// with several, the loss is their sum and the parts are each group's loss (by the
    /// group's name) followed by its own parts ("group/part"). A failure in any group
    /// leaves the weights and optimisers as they were before the step.
    async fn one_step(
        &mut self,
        loss_fn: &impl GroupLossFn,
        only: Option<&[usize]>,
    ) -> Result<Metrics, TrainError> {
        let step = self.step + 1;
        let before = (
            self.params.clone(),
            self.groups
                .iter()
                .map(|g| g.opt.clone())
                .collect::<Vec<_>>(),
        );
        let mut total = 0.0;
        let mut parts = Vec::new();
        for g in 0..self.groups.len() {
            if only.is_some_and(|o| !o.contains(&g)) {
                continue;
            }
            match self.group_step(g, step, loss_fn).await {
                Ok((l, named)) if self.groups.len() == 1 => {
                    total = l;
                    parts = named;
                }
                Ok((l, named)) => {
                    total += l;
                    parts.push((self.groups[g].name.clone(), l));
                    let name = &self.groups[g].name;
                    parts.extend(named.into_iter().map(|(n, v)| (format!("{name}/{n}"), v)));
                }
                Err(e) => {
                    self.params = before.0;
                    for (grp, opt) in self.groups.iter_mut().zip(before.1) {
                        grp.opt = opt;
                    }
                    return Err(e);
                }
            }
        }
        self.step = step;
        Ok(Metrics {
            step,
            loss: total,
            parts,
        })
    }

    /// Runs up to `steps` steps of a single-loss model (every group gets the same loss).
    pub async fn run(&mut self, steps: usize, loss_fn: &impl LossFn) -> Result<Chunk, TrainError> {
        self.run_groups(steps, &|_, tape, p, step, dev| loss_fn(tape, p, step, dev))
            .await
    }

    /// Runs up to `steps` steps, each group from its own loss, then snapshots the weights
    /// to the CPU. A GPU failure moves training to the CPU from the last snapshot and the
    /// chunk ends there.
    pub async fn run_groups(
        &mut self,
        steps: usize,
        loss_fn: &impl GroupLossFn,
    ) -> Result<Chunk, TrainError> {
        self.run_selected(steps, loss_fn, None).await
    }

    /// Runs up to `steps` steps in which only the groups `only` (indices into
    /// [`Trainer::groups`]) are updated: a GAN's discriminator alone, or its generator
    /// alone. Each counts as a step; the others' weights and optimisers stay as they are.
    pub async fn run_only(
        &mut self,
        steps: usize,
        only: &[usize],
        loss_fn: &impl GroupLossFn,
    ) -> Result<Chunk, TrainError> {
        self.run_selected(steps, loss_fn, Some(only)).await
    }

    async fn run_selected(
        &mut self,
        steps: usize,
        loss_fn: &impl GroupLossFn,
        only: Option<&[usize]>,
    ) -> Result<Chunk, TrainError> {
        let mut metrics = Vec::with_capacity(steps);
        for _ in 0..steps {
            match self.one_step(loss_fn, only).await {
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
        let params = self.params.to_cpu().await?;
        let mut opts = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            opts.push(g.opt.to_cpu().await?);
        }
        self.snapshot = (self.step, params, opts);
        Ok(())
    }

    fn fall_back(&mut self, why: String, mut metrics: Vec<Metrics>) -> Chunk {
        let (at, params, opts) = self.snapshot.clone();
        self.device = Device::Cpu;
        self.params = params;
        for (g, opt) in self.groups.iter_mut().zip(opts) {
            g.opt = opt;
        }
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
        for (g, opt) in self.groups.iter_mut().zip(&self.snapshot.2) {
            g.opt = opt.to_device(&device);
        }
        self.device = device;
        Ok(())
    }
}
