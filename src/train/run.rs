//! Who owns a step-by-step run (a reverse process, a sampler, an animation), so that a
//! page driving it in the background between frames can pause, resume and restart it
//! without two loops ever stepping at once.
//!
//! Every start *and* every resume takes a new ticket; a loop steps only while its ticket
//! is the live one, and only the live loop may mark the run finished. A loop left over from
//! before a pause therefore ends quietly instead of stepping beside its successor, or
//! stopping it when it ends.

/// The state of one run, as the page keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunState {
    ticket: u64,
    running: bool,
}

impl RunState {
    /// Starts or resumes: the returned ticket is the only one allowed to step.
    pub fn begin(&mut self) -> u64 {
        self.ticket += 1;
        self.running = true;
        self.ticket
    }

    /// Stops the live loop at its next check; `begin` goes on from where it was.
    pub fn pause(&mut self) {
        self.running = false;
    }

    /// Whether the loop holding `ticket` may take another step.
    pub fn live(&self, ticket: u64) -> bool {
        self.running && self.ticket == ticket
    }

    /// The loop holding `ticket` has ended (done, failed or paused); the run stops only if
    /// that loop was the live one.
    pub fn finish(&mut self, ticket: u64) {
        if self.ticket == ticket {
            self.running = false;
        }
    }

    pub fn running(&self) -> bool {
        self.running
    }

    /// How many times a run was started or resumed (a seed for per-run noise).
    pub fn tickets(&self) -> u64 {
        self.ticket
    }
}

#[cfg(test)]
mod tests {
    use super::RunState;

    #[test]
    fn a_loop_from_before_a_pause_neither_steps_nor_stops_the_next_run() {
        let mut r = RunState::default();
        let first = r.begin();
        r.pause();
        assert!(!r.live(first));
        let resumed = r.begin();
        // Restart while the resumed loop has not yet noticed: only the newest steps.
        let restarted = r.begin();
        assert!(!r.live(first) && !r.live(resumed) && r.live(restarted));
        // The superseded loops end; the restarted run keeps going.
        r.finish(first);
        r.finish(resumed);
        assert!(r.running() && r.live(restarted));
        r.finish(restarted);
        assert!(!r.running());
    }

    #[test]
    fn pause_then_resume_gives_one_live_loop() {
        let mut r = RunState::default();
        let a = r.begin();
        r.pause();
        let b = r.begin();
        // The paused loop may still be waiting for its next frame: it must not step.
        assert!(!r.live(a) && r.live(b));
        assert_eq!(r.tickets(), 2);
    }
}
