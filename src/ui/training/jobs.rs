//! A model's training jobs as the page asks for them: train from a seed, step chosen
//! parts, pause and resume; a job the stopped engine cannot take is said in its status.

use super::*;

impl ModelHandle {
    /// Sends a request that runs a job; whether it was sent. If the engine has stopped,
    /// the job's status says so, as when it stops mid-job ([`engine_stopped`]), and the
    /// progress, curve and weights shown stay as they were.
    fn run_job(self, req: Request) -> bool {
        match engine::send(req) {
            Ok(()) => true,
            Err(down) => {
                self.job_ended_by_engine(&format!("is not running ({})", down.0));
                false
            }
        }
    }

    /// The job's status when the engine, which `did` this (stopped, is not running), cannot
    /// run it: the weights of the current step stay.
    pub(super) fn job_ended_by_engine(self, did: &str) {
        self.status.set(JobStatus::Failed(format!(
            "The engine {did}; the page keeps the weights of step {}.",
            self.step.get_untracked()
        )));
    }

    /// Fresh weights from `seed` (`None`: a fresh one), trained in the engine for `steps`
    /// steps with KL weight `beta` (`None`: the recipe's) and the reader's settings
    /// (`zoo::Options`; empty: none).
    pub fn train_with(
        self,
        steps: u64,
        beta: Option<f32>,
        seed: Option<u64>,
        options: Vec<(String, Vec<f32>)>,
    ) {
        let sent = self.run_job(Request::Train {
            model: self.name.into(),
            steps,
            beta,
            seed: seed.unwrap_or_else(crate::data::rng::fresh_seed),
            options,
        });
        if sent {
            self.history.set(Vec::new());
            self.notice.set(None);
            self.step.set(0);
            self.total.set(steps);
            self.status.set(JobStatus::Running);
        }
    }

    /// Goes on for `steps` steps that update only the parts named in `only` (a GAN's "D"
    /// or "G"; empty: every part), then stops.
    pub fn step_parts(self, steps: u64, only: Vec<String>) {
        let sent = self.run_job(Request::Step {
            model: self.name.into(),
            steps,
            only,
        });
        if sent {
            self.total.set(self.step.get_untracked() + steps);
            self.status.set(JobStatus::Running);
        }
    }

    /// Stops at the end of the current chunk; `resume` goes on from there exactly.
    pub fn pause(self) {
        if self.status.get_untracked() == JobStatus::Running {
            // A stopped engine has ended the job already (`engine_stopped`).
            let _ = engine::send(Request::Pause {
                model: self.name.into(),
            });
        }
    }

    /// Goes on from a pause, or trains `more` steps beyond a finished job.
    pub fn resume(self, more: u64) {
        let (step, total) = (self.step.get_untracked(), self.total.get_untracked());
        let total = if self.status.get_untracked() == JobStatus::Done || step >= total {
            step + more
        } else {
            total
        };
        let sent = self.run_job(Request::Resume {
            model: self.name.into(),
            total,
        });
        if sent {
            self.total.set(total);
            self.status.set(JobStatus::Running);
        }
    }
}
