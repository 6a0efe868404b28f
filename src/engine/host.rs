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

/// A sampling job: the model's run, and what it takes to start it again on the CPU.
struct Sampling {
    job: u64,
    spec: SampleSpec,
    net: Net,
    cpu: Params,
    run: Box<dyn zoo::SampleRun>,
    dev: Device,
    t0: f64,
    notice: Option<String>,
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

    async fn train(
        &mut self,
        model: &str,
        steps: u64,
        beta: Option<f32>,
        seed: u64,
        options: &zoo::Options,
    ) {
        let dev = self.device();
        let clock = self.clock;
        let Some(s) = self.slot(model) else { return };
        let (net, params) = match s.recipe.build_with_options(seed, options, &Device::Cpu) {
            Ok(built) => built,
            Err(why) => {
                let why = format!("These settings cannot be used: {why}.");
                self.status(model, JobStatus::Failed(why));
                return;
            }
        };
        let cpu = params.clone();
        let groups = s.recipe.groups(&net, &params);
        match Trainer::with_groups(params, groups, dev).await {
            Ok(t) => {
                s.net = net;
                s.params = Some(cpu);
                s.trainer = Some(t);
                s.only = None;
                s.total = steps;
                s.beta = beta.unwrap_or(s.recipe.beta);
                s.running = true;
                s.per_step_ms = 0.0;
                s.last_publish = clock();
                self.status(model, JobStatus::Running);
                self.publish(model).await;
            }
            Err(e) => self.status(model, JobStatus::Failed(e.to_string())),
        }
    }

    /// Goes on with `model`'s training for `steps` steps of only the parts named `only`
    /// (every part when empty), then stops.
    fn step_parts(&mut self, model: &str, steps: u64, only: &[String]) {
        let Some(s) = self.slot(model) else { return };
        let Some(t) = &s.trainer else {
            let msg =
                "There is no training of this model here to step: train it from scratch first.";
            self.status(model, JobStatus::Failed(msg.into()));
            return;
        };
        let mut parts = Vec::new();
        for name in only {
            match t.groups.iter().position(|g| &g.name == name) {
                Some(i) => parts.push(i),
                None => {
                    let msg = format!("This model has no part called “{name}”.");
                    self.out.push(Reply::Error(msg));
                    return;
                }
            }
        }
        s.only = (!parts.is_empty()).then_some(parts);
        s.total = t.step + steps.max(1);
        s.running = true;
        self.status(model, JobStatus::Running);
    }

    /// Hands the page the trainer's latest CPU weights.
    async fn publish(&mut self, model: &str) {
        let Some(s) = self.models.get_mut(model) else {
            return;
        };
        let Some(t) = &s.trainer else { return };
        let (at, p) = t.snapshot_params();
        let p = p.clone();
        s.last_publish = (self.clock)();
        let meta = HashMap::from([("steps".to_string(), at.to_string())]);
        match weights::save(&p, &meta).await {
            Ok(bytes) => self.out.push(Reply::Weights {
                model: model.to_string(),
                at,
                bytes,
            }),
            Err(e) => self.out.push(Reply::Error(format!(
                "could not hand over '{model}''s weights: {e}"
            ))),
        }
        if let Some(s) = self.models.get_mut(model) {
            s.params = Some(p);
        }
    }

    async fn sample(&mut self, job: u64, model: &str, spec: SampleSpec) {
        let dev = self.device();
        let Some(s) = self.slot(model) else { return };
        let net = s.net.clone();
        let Some(cpu) = s.params.clone() else {
            let why = format!("'{model}' has no weights yet");
            self.out.push(Reply::SampleEnded { job, why });
            return;
        };
        let Some(run) = net.sampler(&cpu, &spec, &dev) else {
            let why = format!("'{model}' does not sample that way ({spec:?})");
            self.out.push(Reply::SampleEnded { job, why });
            return;
        };
        self.samples.retain(|r| r.job != job);
        self.samples.push(Sampling {
            job,
            spec,
            net,
            cpu,
            run,
            dev,
            t0: (self.clock)(),
            notice: None,
        });
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

    async fn train_chunk(&mut self, model: &str) {
        let want = self.device();
        let clock = self.clock;
        let Some(s) = self.models.get_mut(model) else {
            return;
        };
        let Some(mut trainer) = s.trainer.take() else {
            s.running = false;
            return;
        };
        // Follow the badge: the reader may have switched paths since the last chunk.
        let mut notices = Vec::new();
        if matches!(want, Device::Gpu(_)) != matches!(trainer.device, Device::Gpu(_)) {
            if let Err(e) = trainer.switch_device(want).await {
                notices.push((format!("Could not switch devices: {e}"), None));
            }
        }
        let left = s.total.saturating_sub(trainer.step);
        let n = if s.per_step_ms <= 0.0 {
            1
        } else {
            ((CHUNK_MS / s.per_step_ms).round() as u64).clamp(1, 50)
        }
        .min(left.max(1));
        let (recipe, net, beta) = (s.recipe, s.net.clone(), s.beta);
        let loss = group_loss_fn(move |g, tape, p, step, dev| {
            recipe.group_loss(&net, beta, g, tape, p, step, dev)
        });
        let t0 = clock();
        let result = match (&s.only, left) {
            (_, 0) => Ok(None),
            (Some(only), _) => trainer.run_only(n as usize, only, &loss).await.map(Some),
            (None, _) => trainer.run_groups(n as usize, &loss).await.map(Some),
        };
        let dt = clock() - t0;
        let mut status = None;
        let mut lost = None;
        match result {
            Ok(Some(chunk)) => {
                let done = chunk.metrics.len().max(1) as f64;
                s.per_step_ms = dt / done;
                if let Some((why, at)) = &chunk.fell_back {
                    lost = Some(why.clone());
                    notices.push((
                        format!(
                            "The GPU device was lost ({why}). Training went on on the CPU from step {at}, the last saved weights; nothing else was lost."
                        ),
                        Some(*at),
                    ));
                }
                self.out.push(Reply::Progress {
                    model: model.to_string(),
                    step: trainer.step,
                    total: s.total,
                    rate: 1000.0 / s.per_step_ms.max(1e-3),
                    device: on(&trainer.device).to_string(),
                    part_names: chunk
                        .metrics
                        .first()
                        .map(|m| m.parts.iter().map(|p| p.0.clone()).collect())
                        .unwrap_or_default(),
                    points: chunk
                        .metrics
                        .iter()
                        .map(|m| (m.step, m.loss, m.parts.iter().map(|p| p.1).collect()))
                        .collect(),
                });
                if trainer.step >= s.total {
                    s.running = false;
                    status = Some(JobStatus::Done);
                }
            }
            Ok(None) => {
                s.running = false;
                status = Some(JobStatus::Done);
            }
            Err(e) => {
                let msg = match &e {
                    TrainError::NonFinite { .. } => format!(
                        "{e}. The weights are those of the step before; try training from scratch again."
                    ),
                    _ => e.to_string(),
                };
                s.running = false;
                status = Some(JobStatus::Failed(msg));
            }
        }
        let every = s.net.publish_every_ms().unwrap_or(PUBLISH_MS);
        let due = status.is_some() || clock() - s.last_publish > every;
        s.trainer = Some(trainer);
        if let Some(why) = lost {
            self.lose_gpu(&why);
        }
        for (text, rolled_back_to) in notices {
            self.out.push(Reply::Notice {
                model: model.to_string(),
                text,
                rolled_back_to,
            });
        }
        if due {
            self.publish(model).await;
        }
        if let Some(st) = status {
            self.status(model, st);
        }
    }

    /// One step of sampling job `i`; false when the job has ended.
    async fn sample_step(&mut self, i: usize) -> bool {
        let clock = self.clock;
        let r = &mut self.samples[i];
        let stepped = r.run.step();
        let finished = r.run.finished();
        // Read back now and then: a preview, and a point where the GPU catches up.
        let preview = match stepped {
            Ok(()) if r.run.done() % r.run.preview_every().max(1) == 0 || finished => {
                Some(r.run.images().await)
            }
            Ok(()) => None,
            Err(e) => Some(Err(e)),
        };
        let values = match &preview {
            Some(Ok(_)) if finished => Some(r.run.values().await),
            _ => None,
        };
        let failed = match (&preview, &values) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(e.to_string()),
            _ => None,
        };
        if let Some(why) = failed {
            let restart = match r.dev {
                Device::Gpu(_) => r.net.sampler(&r.cpu, &r.spec, &Device::Cpu),
                Device::Cpu => None,
            };
            if let Some(run) = restart {
                // Start again on the CPU, from the same seed (same samples, to tolerance).
                r.dev = Device::Cpu;
                r.run = run;
                r.notice = Some(format!(
                    "The GPU failed while sampling ({why}); started again on the CPU."
                ));
                self.lose_gpu(&why);
                return true;
            }
            let job = r.job;
            self.out.push(Reply::SampleEnded {
                job,
                why: format!("sampling failed: {why}"),
            });
            return false;
        }
        let secs = (clock() - r.t0) / 1e3;
        self.out.push(Reply::Sampling {
            job: r.job,
            news: SampleNews {
                done: r.run.done(),
                total: r.run.total(),
                device: on(&r.dev).to_string(),
                secs,
                images: preview.and_then(Result::ok),
                notice: r.notice.clone(),
            },
        });
        if let Some(Ok(values)) = values {
            self.out.push(Reply::Sampled { job: r.job, values });
            return false;
        }
        true
    }
}
