//! The reader's progress: which steps of which lessons they have seen, which exercises they
//! have solved, and the step they opened last. Stored by the UI as strings (in localStorage); parsing never fails, it
//! only forgets what it cannot read. Exported as a small text file and imported from one
//! (merged: nothing already here is forgotten).

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// lesson id → step ids seen.
    pub seen: BTreeMap<String, BTreeSet<String>>,
    /// lesson id → exercise ids solved.
    pub solved: BTreeMap<String, BTreeSet<String>>,
    /// The step (lesson id, step id) the reader opened last, to continue from.
    pub last: Option<(String, String)>,
}

fn valid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

type Marks = BTreeMap<String, BTreeSet<String>>;

/// `lesson=id,id;lesson=id`, forgetting what is not valid.
fn parse_marks(s: &str) -> Marks {
    let mut m = Marks::new();
    for part in s.split(';') {
        if let Some((l, ids)) = part.split_once('=') {
            if !valid(l) {
                continue;
            }
            let set: BTreeSet<String> = ids
                .split(',')
                .filter(|s| valid(s))
                .map(String::from)
                .collect();
            if !set.is_empty() {
                m.insert(l.to_string(), set);
            }
        }
    }
    m
}

fn serialise_marks(m: &Marks) -> String {
    m.iter()
        .map(|(l, s)| format!("{l}={}", s.iter().cloned().collect::<Vec<_>>().join(",")))
        .collect::<Vec<_>>()
        .join(";")
}

impl Progress {
    /// The steps seen, as [`Progress::serialise`] wrote them.
    pub fn parse(s: &str) -> Progress {
        Progress {
            seen: parse_marks(s),
            ..Progress::default()
        }
    }

    /// The steps seen: `lesson=step,step;lesson=step`.
    pub fn serialise(&self) -> String {
        serialise_marks(&self.seen)
    }

    /// Reads the exercises solved, as [`Progress::serialise_solved`] wrote them.
    pub fn parse_solved(&mut self, s: &str) {
        self.solved = parse_marks(s);
    }

    pub fn serialise_solved(&self) -> String {
        serialise_marks(&self.solved)
    }

    pub fn solve(&mut self, lesson: &str, exercise: &str) {
        self.solved
            .entry(lesson.to_string())
            .or_default()
            .insert(exercise.to_string());
    }

    pub fn is_solved(&self, lesson: &str, exercise: &str) -> bool {
        self.solved
            .get(lesson)
            .is_some_and(|s| s.contains(exercise))
    }

    /// How many of the given exercise ids are solved.
    pub fn count_solved<'a>(&self, lesson: &str, ids: impl Iterator<Item = &'a str>) -> usize {
        ids.filter(|e| self.is_solved(lesson, e)).count()
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

/// First line of a progress file (`Progress::export`).
pub const FILE_HEADER: &str = "genlab-progress 1";
/// Largest progress file read: a whole course seen is well under 4 KB.
pub const MAX_FILE_BYTES: usize = 64 * 1024;

/// Why a file of `bytes` bytes is refused as a progress file, if it is too large.
pub fn too_large(bytes: usize) -> Option<String> {
    (bytes > MAX_FILE_BYTES).then(|| {
        format!(
            "This file is {} KB; a progress file is a few KB at most (limit {} KB).",
            bytes / 1024,
            MAX_FILE_BYTES / 1024
        )
    })
}

/// What an import did: the steps added and those left out (lessons or steps this course
/// does not have).
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub added: usize,
    pub already: usize,
    pub unknown: usize,
    /// Exercises solved that this browser had not recorded.
    pub solved: usize,
}

impl Imported {
    /// The outcome in words, for the reader.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "Imported: {} step{} seen added to this browser's progress ({} already here).",
            self.added,
            if self.added == 1 { "" } else { "s" },
            self.already
        );
        if self.solved > 0 {
            s.push_str(&format!(
                " {} exercise{} solved added.",
                self.solved,
                if self.solved == 1 { "" } else { "s" }
            ));
        }
        if self.unknown > 0 {
            s.push_str(&format!(
                " {} step{} or exercise{} this version of the course does not have were left out.",
                self.unknown,
                if self.unknown == 1 { "" } else { "s" },
                if self.unknown == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

impl Progress {
    /// The progress as a small text file a reader can carry to another machine: a header
    /// line, the steps seen, and the step last opened.
    pub fn export(&self) -> String {
        let mut out = format!("{FILE_HEADER}\nseen {}\n", self.serialise());
        if !self.solved.is_empty() {
            out.push_str(&format!("solved {}\n", self.serialise_solved()));
        }
        if let Some((l, s)) = &self.last {
            out.push_str(&format!("last {l}/{s}\n"));
        }
        out
    }

    /// Adds the steps and exercises of an exported file to this progress (nothing here is
    /// forgotten), keeping only steps `known(lesson, step)` and exercises
    /// `known_exercise(lesson, id)` says the course has. A file that is not a progress
    /// file, or too large, is refused with the reason and changes nothing.
    pub fn import(
        &mut self,
        file: &str,
        known: impl Fn(&str, &str) -> bool,
        known_exercise: impl Fn(&str, &str) -> bool,
    ) -> Result<Imported, String> {
        if let Some(why) = too_large(file.len()) {
            return Err(why);
        }
        let mut lines = file.lines();
        if lines.next().map(str::trim) != Some(FILE_HEADER) {
            return Err(format!(
                "This is not a Genlab progress file: its first line should be “{FILE_HEADER}”."
            ));
        }
        let mut got = Imported {
            added: 0,
            already: 0,
            unknown: 0,
            solved: 0,
        };
        let mut last = None;
        for line in lines {
            if let Some(seen) = line.strip_prefix("seen ") {
                for (l, steps) in Progress::parse(seen).seen {
                    for s in steps {
                        if !known(&l, &s) {
                            got.unknown += 1;
                        } else if self.has(&l, &s) {
                            got.already += 1;
                        } else {
                            self.mark(&l, &s);
                            got.added += 1;
                        }
                    }
                }
            } else if let Some(solved) = line.strip_prefix("solved ") {
                for (l, ids) in parse_marks(solved) {
                    for e in ids {
                        if !known_exercise(&l, &e) {
                            got.unknown += 1;
                        } else if !self.is_solved(&l, &e) {
                            self.solve(&l, &e);
                            got.solved += 1;
                        }
                    }
                }
            } else if let Some(at) = line.strip_prefix("last ") {
                last = at
                    .trim()
                    .split_once('/')
                    .filter(|(l, s)| valid(l) && valid(s) && known(l, s))
                    .map(|(l, s)| (l.to_string(), s.to_string()));
            }
        }
        if self.last.is_none() {
            self.last = last;
        }
        Ok(got)
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

    #[test]
    fn a_file_carries_progress_and_a_bad_one_changes_nothing() {
        let mut p = Progress::default();
        p.mark("pixels", "correlation");
        p.mark("fashion-outfits", "data");
        p.mark("gone", "step");
        p.solve("pixels", "pixel-count");
        p.solve("pixels", "gone-exercise");
        p.last = Some(("pixels".into(), "correlation".into()));
        let file = p.export();
        assert!(file.starts_with("genlab-progress 1\nseen "));
        assert!(file.contains("\nsolved pixels=gone-exercise,pixel-count\n"));
        let known = |l: &str, _: &str| l != "gone";
        let known_exercise = |_: &str, e: &str| e != "gone-exercise";
        let mut q = Progress::default();
        q.mark("pixels", "correlation");
        let got = q.import(&file, known, known_exercise).unwrap();
        assert_eq!(
            got,
            Imported {
                added: 1,
                already: 1,
                unknown: 2,
                solved: 1,
            }
        );
        assert!(q.has("fashion-outfits", "data") && !q.has("gone", "step"));
        assert!(q.is_solved("pixels", "pixel-count") && !q.is_solved("pixels", "gone-exercise"));
        assert_eq!(q.last, p.last);
        assert!(got.describe().contains("1 step seen added"));
        assert!(got.describe().contains("1 exercise solved added"));
        let mut r = Progress::default();
        r.parse_solved(&p.serialise_solved());
        assert_eq!(r.solved, p.solved);
        let before = q.clone();
        for bad in ["hello", "", &"x".repeat(MAX_FILE_BYTES + 1)] {
            assert!(q.import(bad, known, known_exercise).is_err());
            assert_eq!(q, before);
        }
    }
}
