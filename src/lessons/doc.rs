//! A lesson as the page shows it: steps of rendered HTML (with MathML) and the widgets
//! placed between them. `build.rs` renders the Markdown files into these (serialised with
//! postcard), so the page carries no Markdown or LaTeX parser.

use serde::{Deserialize, Serialize};

/// A piece of a step: rendered prose, or a widget to mount.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    Html(String),
    Widget { name: String, args: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonDoc {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, PartialEq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
