//! A lesson as the page shows it: steps of rendered HTML (with MathML) and the widgets
//! placed between them. `build.rs` renders the Markdown files into these (serialised with
//! postcard), so the page carries no Markdown or LaTeX parser. A later lesson reaches the
//! page in two parts: its head (titles, step and exercise ids: what the home page and
//! routes need) compiled in, and its steps' blocks in a file fetched when first shown.

use super::exercise::Exercise;
use serde::{Deserialize, Serialize};

/// A piece of a step: rendered prose, a widget to mount, or an exercise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    Html(String),
    Widget { name: String, args: Vec<String> },
    Exercise(Exercise),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// The ids of the exercises among `blocks` (kept in the head).
    pub exercises: Vec<String>,
    pub blocks: Vec<Block>,
}

/// The blocks of every step of a lesson, in order: the part of a later lesson that is
/// fetched when it is first shown.
pub type Bodies = Vec<Vec<Block>>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonDoc {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: Vec<Step>,
}

impl LessonDoc {
    /// The ids of the lesson's exercises, in order (from the head).
    pub fn exercise_ids(&self) -> impl Iterator<Item = &str> {
        self.steps
            .iter()
            .flat_map(|s| s.exercises.iter().map(String::as_str))
    }

    /// The lesson without its steps' blocks, and the blocks.
    pub fn split(&self) -> (LessonDoc, Bodies) {
        let mut head = self.clone();
        let bodies = head
            .steps
            .iter_mut()
            .map(|s| std::mem::take(&mut s.blocks))
            .collect();
        (head, bodies)
    }

    /// The lesson's exercises, in order, with the index of the step that holds each.
    pub fn exercises(&self) -> impl Iterator<Item = (usize, &Exercise)> {
        self.steps.iter().enumerate().flat_map(|(i, s)| {
            s.blocks.iter().filter_map(move |b| match b {
                Block::Exercise(e) => Some((i, e)),
                _ => None,
            })
        })
    }
}

#[derive(Debug, PartialEq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A URL-safe id from a title: "Laplace smoothing!" → "laplace-smoothing".
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
