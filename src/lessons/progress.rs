//! The reader's progress: which steps of which lessons they have seen. Stored by the UI as
//! one string (in localStorage); parsing never fails, it only forgets what it cannot read.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// lesson id → step ids seen.
    pub seen: BTreeMap<String, BTreeSet<String>>,
}

fn valid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Progress {
    /// `lesson=step,step;lesson=step`
    pub fn parse(s: &str) -> Progress {
        let mut p = Progress::default();
        for part in s.split(';') {
            if let Some((l, steps)) = part.split_once('=') {
                if !valid(l) {
                    continue;
                }
                let set: BTreeSet<String> = steps
                    .split(',')
                    .filter(|s| valid(s))
                    .map(String::from)
                    .collect();
                if !set.is_empty() {
                    p.seen.insert(l.to_string(), set);
                }
            }
        }
        p
    }

    pub fn serialise(&self) -> String {
        self.seen
            .iter()
            .map(|(l, s)| format!("{l}={}", s.iter().cloned().collect::<Vec<_>>().join(",")))
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn mark(&mut self, lesson: &str, step: &str) {
        self.seen
            .entry(lesson.to_string())
            .or_default()
            .insert(step.to_string());
    }

    pub fn has(&self, lesson: &str, step: &str) -> bool {
        self.seen.get(lesson).is_some_and(|s| s.contains(step))
    }

    /// How many of the given step ids have been seen.
    pub fn count<'a>(&self, lesson: &str, steps: impl Iterator<Item = &'a str>) -> usize {
        steps.filter(|s| self.has(lesson, s)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let mut p = Progress::default();
        p.mark("pixels", "correlation");
        p.mark("pixels", "pixels");
        p.mark("fashion-outfits", "data");
        let s = p.serialise();
        assert_eq!(Progress::parse(&s), p);
        assert_eq!(Progress::parse("%%%;x==;=a,b;ok=a,<b>"), {
            let mut q = Progress::default();
            q.mark("ok", "a");
            q
        });
        assert_eq!(
            p.count("pixels", ["pixels", "per-pixel", "correlation"].into_iter()),
            2
        );
    }
}
