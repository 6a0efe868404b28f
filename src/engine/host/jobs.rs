//! The engine's training jobs: a run started with the reader's settings, steps of chosen
//! parts alone, a chunk of training (falling back to the CPU if the GPU fails) and the
//! weights handed to the page as the job goes.

use super::*;

impl Host {
    pub(super) async fn train(
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
    pub(super) fn step_parts(&mut self, model: &str, steps: u64, only: &[String]) {
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
    pub(super) async fn publish(&mut self, model: &str) {
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

    pub(super) async fn train_chunk(&mut self, model: &str) {
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
}
