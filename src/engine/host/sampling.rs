//! The engine's sampling jobs: any model's `SampleRun`, one step per chunk, with previews,
//! and started again on the CPU if the GPU fails.

use super::*;

/// A sampling job: the model's run, and what it takes to start it again on the CPU.
pub(super) struct Sampling {
    pub(super) job: u64,
    spec: SampleSpec,
    net: Net,
    cpu: Params,
    pub(super) run: Box<dyn zoo::SampleRun>,
    dev: Device,
    t0: f64,
    notice: Option<String>,
}

impl Host {
    pub(super) async fn sample(&mut self, job: u64, model: &str, spec: SampleSpec) {
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

    /// One step of sampling job `i`; false when the job has ended.
    pub(super) async fn sample_step(&mut self, i: usize) -> bool {
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
