//! The engine's state and work, apart from how messages arrive: every model's weights and
//! training job, and the sampling runs. The worker feeds it [`Request`]s and gives the
//! page the [`Reply`]s it collects; native tests drive it the same way.
//!
//! Work is done in chunks of about [`CHUNK_MS`] (a training chunk, or one step of a
//! sampling run, of any model: `zoo::Model::sampler`), so that between chunks the worker reads new requests (pause, cancel, the
//! badge's switch) and the page sees progress.

use super::protocol::{Detected, JobStatus, Reply, Request, SampleNews, SampleSpec};
use crate::models::zoo::{self, Net, Recipe};
use crate::nn::{torch, weights, Params};
use crate::tensor::gpu::Gpu;
use crate::tensor::Device;
use crate::train::{group_loss_fn, TrainError, Trainer};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

mod jobs;
mod sampling;

use sampling::Sampling;

/// The length of one chunk of work between looks at the inbox.
pub const CHUNK_MS: f64 = 100.0;
/// How often a running job hands the page new weights.
pub const PUBLISH_MS: f64 = 1000.0;

/// How work is named in words: "on WebGPU" or "on the CPU".
pub fn on(dev: &Device) -> &'static str {
    match dev {
        Device::Gpu(_) => "on WebGPU",
        Device::Cpu => "on the CPU",
    }
}

struct Slot {
    recipe: &'static Recipe,
    net: Net,
    /// The recipe's network and its parameters as first built: what a weights file given
    /// by the page is loaded into (built once, not for every file; a run with the reader's
    /// settings has a network of its own, in `net`).
    base: Net,
    blank: Params,
    /// The parts a `Step` request updates alone (indices of the trainer's groups); `None`:
    /// every part.
    only: Option<Vec<usize>>,
    /// The latest CPU weights: set by the page, or published by the job.
    params: Option<Params>,
    /// The job's trainer (kept when paused or done, so it can go on exactly).
    trainer: Option<Trainer>,
    total: u64,
    beta: f32,
    running: bool,
    per_step_ms: f64,
    last_publish: f64,
}

/// The engine.
pub struct Host {
    gpu: Option<Arc<Gpu>>,
    prefer_gpu: bool,
    models: BTreeMap<String, Slot>,
    samples: Vec<Sampling>,
    out: Vec<Reply>,
    clock: fn() -> f64,
}

impl Host {
    /// An engine with this GPU device (if any) and a clock in milliseconds.
    pub fn new(gpu: Option<Arc<Gpu>>, clock: fn() -> f64) -> Host {
        Host {
            gpu,
            prefer_gpu: true,
            models: BTreeMap::new(),
            samples: Vec::new(),
            out: Vec::new(),
            clock,
        }
    }

    /// The replies collected since the last call.
    pub fn take_replies(&mut self) -> Vec<Reply> {
        std::mem::take(&mut self.out)
    }

    /// Whether any job is running (the worker keeps calling [`Host::work`] while so).
    pub fn busy(&self) -> bool {
        !self.samples.is_empty() || self.models.values().any(|s| s.running)
    }

    /// The device new work goes to.
    pub fn device(&self) -> Device {
        match &self.gpu {
            Some(g) if self.prefer_gpu => Device::Gpu(g.clone()),
            _ => Device::Cpu,
        }
    }

    fn lose_gpu(&mut self, why: &str) {
        if self.gpu.take().is_some() {
            self.out.push(Reply::Device(Detected::NoGpu(format!(
                "the GPU device was lost ({why}); running on the CPU"
            ))));
        }
    }

    fn slot(&mut self, model: &str) -> Option<&mut Slot> {
        if !self.models.contains_key(model) {
            let Some(recipe) = zoo::recipe(model) else {
                self.out
                    .push(Reply::Error(format!("there is no model called '{model}'")));
                return None;
            };
            let (net, blank) = recipe.build(&Device::Cpu);
            self.models.insert(
                model.to_string(),
                Slot {
                    recipe,
                    base: net.clone(),
                    net,
                    blank,
                    only: None,
                    params: None,
                    trainer: None,
                    total: 0,
                    beta: recipe.beta,
                    running: false,
                    per_step_ms: 0.0,
                    last_publish: 0.0,
                },
            );
        }
        self.models.get_mut(model)
    }

    fn status(&mut self, model: &str, status: JobStatus) {
        self.out.push(Reply::Status {
            model: model.to_string(),
            status,
        });
    }

    /// Carries out one request (quickly: long work is left to [`Host::work`]).
    pub async fn handle(&mut self, req: Request) {
        match req {
            Request::PreferGpu(yes) => self.prefer_gpu = yes,
            Request::SimulateGpuLoss => {
                if let Some(g) = &self.gpu {
                    g.simulate_loss();
                }
            }
            Request::SetWeights { model, bytes } => self.set_weights(&model, &bytes),
            Request::Train {
                model,
                steps,
                beta,
                seed,
                options,
            } => self.train(&model, steps, beta, seed, &options).await,
            Request::Step { model, steps, only } => self.step_parts(&model, steps, &only),
            Request::Pause { model } => {
                let Some(s) = self.slot(&model) else { return };
                if s.running {
                    s.running = false;
                    self.publish(&model).await;
                    self.status(&model, JobStatus::Paused);
                }
            }
            Request::Resume { model, total } => {
                let Some(s) = self.slot(&model) else { return };
                if s.trainer.is_none() {
                    let msg = "There is no training of this model here to go on with (the engine restarted, or the shipped weights were loaded): train it from scratch.";
                    self.status(&model, JobStatus::Failed(msg.into()));
                    return;
                }
                s.total = total;
                s.running = true;
                s.only = None;
                self.status(&model, JobStatus::Running);
            }
            Request::Sample { job, model, what } => self.sample(job, &model, what).await,
            Request::Call {
                id,
                model,
                function,
                rows,
                args,
            } => {
                let result = self.call(&model, &function, &rows, &args);
                self.out.push(Reply::Called { id, result });
            }
            Request::Export { model } => {
                let result = self.export(&model);
                self.out.push(Reply::Exported { model, result });
            }
            Request::Cancel { job } => {
                if let Some(i) = self.samples.iter().position(|r| r.job == job) {
                    let r = self.samples.remove(i);
                    self.out.push(Reply::SampleEnded {
                        job,
                        why: format!("cancelled at step {} of {}", r.run.done(), r.run.total()),
                    });
                }
            }
        }
    }

    /// A function of the model's current CPU weights (quick work, answered at once).
    fn call(
        &mut self,
        model: &str,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Result<Vec<Vec<f32>>, String> {
        let Some(s) = self.slot(model) else {
            return Err(format!("there is no model called '{model}'"));
        };
        let Some(p) = &s.params else {
            return Err(format!("'{model}' has no weights yet"));
        };
        match s.net.call(p, function, rows, args) {
            Some(r) => r.map_err(|e| e.to_string()),
            None => Err(format!("'{model}' has no function '{function}'")),
        }
    }

    /// The model's current weights in PyTorch's layout, and the Python that loads them.
    fn export(&mut self, model: &str) -> Result<(Vec<u8>, String), String> {
        let Some(s) = self.slot(model) else {
            return Err(format!("there is no model called '{model}'"));
        };
        let Some(p) = &s.params else {
            return Err(format!("'{model}' has no weights yet"));
        };
        let meta = HashMap::from([("model".to_string(), model.to_string())]);
        let file = torch::export(p, &meta).map_err(|e| e.to_string())?;
        let python = torch::module_definition(p, &format!("{model}-pytorch.safetensors"));
        Ok((file, python))
    }

    fn set_weights(&mut self, model: &str, bytes: &[u8]) {
        let Some(s) = self.slot(model) else { return };
        let mut p = s.blank.clone();
        match s.recipe.load_weights(&mut p, bytes, &Device::Cpu) {
            Ok(metadata) => {
                let was_running = s.running;
                s.net = s.base.clone();
                s.params = Some(p);
                s.trainer = None;
                s.running = false;
                if was_running {
                    self.status(model, JobStatus::Paused);
                }
                let mut metadata: Vec<_> = metadata.into_iter().collect();
                metadata.sort();
                self.out.push(Reply::WeightsTaken {
                    model: model.to_string(),
                    metadata,
                });
            }
            Err(e) => self.out.push(Reply::WeightsRefused {
                model: model.to_string(),
                why: e.to_string(),
            }),
        }
    }

    /// Does one chunk of every running job.
    pub async fn work(&mut self) {
        let running: Vec<String> = self
            .models
            .iter()
            .filter(|(_, s)| s.running)
            .map(|(n, _)| n.clone())
            .collect();
        for m in running {
            self.train_chunk(&m).await;
        }
        let mut i = 0;
        while i < self.samples.len() {
            if self.sample_step(i).await {
                i += 1;
            } else {
                self.samples.remove(i);
            }
        }
    }
}
