//! Lesson files: Markdown prose with LaTeX maths and widget directives, split into steps.
//!
//! ````text
//! ---
//! id: fashion-outfits
//! title: The first generative model
//! summary: One line for the course card.
//! ---
//! ## Step title {#step-id}
//! Prose with $\theta_j = n_j / N$ and display maths $$p(x) = \prod_k \theta_{k,x_k}$$
//!
//! ```widget
//! nb-counting
//! ```
//! ````
//!
//! Every `## ` heading starts a step. A fenced block whose info string is `widget` places
//! the named widget (its first line; later lines are its arguments) between paragraphs;
//! one whose info string is `exercise` places an exercise (`lessons::exercise` has its
//! format).

//!
//! This parser runs at build time (`build.rs` renders every lesson file to a
//! [`LessonDoc`]) and in the native tests; the page only reads its output.

use super::doc::{slug, Block, LessonDoc, ParseError, Step};
use super::exercise::Exercise;
use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// LaTeX to MathML; on a LaTeX error the source is shown in a code span instead.
pub fn latex_to_mathml(tex: &str, display: bool) -> String {
    use pulldown_latex::{
        config::DisplayMode, push_mathml, Parser as TexParser, RenderConfig, Storage,
    };
    let storage = Storage::new();
    let parser = TexParser::new(tex, &storage);
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        ..RenderConfig::default()
    };
    let mut out = String::new();
    match push_mathml(&mut out, parser, config) {
        // A display formula scrolls sideways on a phone: a keyboard must reach it too.
        Ok(()) if display => out.replacen("<math", "<math tabindex=\"0\"", 1),
        Ok(()) => out,
        Err(_) => format!("<code>{}</code>", html_escape(tex)),
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown (with maths) to HTML, for an exercise's texts.
fn to_html(md: &str) -> String {
    render_blocks(md)
        .unwrap_or_default()
        .into_iter()
        .map(|b| match b {
            Block::Html(h) => h,
            _ => String::new(),
        })
        .collect()
}

/// Renders one step's Markdown into blocks; an exercise block that does not parse is an
/// error naming what is wrong.
pub fn render_blocks(md: &str) -> Result<Vec<Block>, ParseError> {
    let opts = Options::ENABLE_TABLES | Options::ENABLE_MATH | Options::ENABLE_STRIKETHROUGH;
    let mut blocks = Vec::new();
    let mut pending: Vec<Event> = Vec::new();
    let mut in_widget: Option<String> = None;
    let mut in_exercise: Option<String> = None;
    let flush = |pending: &mut Vec<Event>, blocks: &mut Vec<Block>| {
        if pending.is_empty() {
            return;
        }
        let mut s = String::new();
        html::push_html(&mut s, pending.drain(..));
        if !s.trim().is_empty() {
            blocks.push(Block::Html(s));
        }
    };
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if info.trim() == "widget" =>
            {
                flush(&mut pending, &mut blocks);
                in_widget = Some(String::new());
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if info.trim() == "exercise" =>
            {
                flush(&mut pending, &mut blocks);
                in_exercise = Some(String::new());
            }
            Event::Text(t) if in_widget.is_some() => in_widget.as_mut().unwrap().push_str(&t),
            Event::Text(t) if in_exercise.is_some() => in_exercise.as_mut().unwrap().push_str(&t),
            Event::End(TagEnd::CodeBlock) if in_exercise.is_some() => {
                let body = in_exercise.take().unwrap();
                let e = Exercise::parse(&body, to_html).map_err(ParseError)?;
                blocks.push(Block::Exercise(e));
            }
            Event::End(TagEnd::CodeBlock) if in_widget.is_some() => {
                let body = in_widget.take().unwrap();
                let mut lines = body.lines().map(str::trim).filter(|l| !l.is_empty());
                let name = lines.next().unwrap_or("").to_string();
                blocks.push(Block::Widget {
                    name,
                    args: lines.map(String::from).collect(),
                });
            }
            Event::InlineMath(t) => {
                pending.push(Event::InlineHtml(CowStr::from(latex_to_mathml(&t, false))))
            }
            Event::DisplayMath(t) => {
                pending.push(Event::InlineHtml(CowStr::from(latex_to_mathml(&t, true))))
            }
            other => pending.push(other),
        }
    }
    flush(&mut pending, &mut blocks);
    Ok(blocks)
}

/// Parses a whole lesson file.
pub fn parse_lesson(src: &str) -> Result<LessonDoc, ParseError> {
    let src = src.replace("\r\n", "\n");
    let rest = src
        .strip_prefix("---\n")
        .ok_or_else(|| ParseError("lesson file must start with '---' front matter".into()))?;
    let end = rest
        .find("\n---\n")
        .ok_or_else(|| ParseError("front matter is not closed by '---'".into()))?;
    let (front, body) = (&rest[..end], &rest[end + 5..]);
    let field = |key: &str| -> Result<String, ParseError> {
        front
            .lines()
            .find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|r| r.strip_prefix(':'))
                    .map(|v| v.trim().trim_matches('"').to_string())
            })
            .ok_or_else(|| ParseError(format!("front matter has no '{key}:'")))
    };
    let (id, title, summary) = (field("id")?, field("title")?, field("summary")?);

    let mut steps: Vec<Step> = Vec::new();
    let mut current: Option<(String, String, String)> = None; // id, title, markdown
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if let Some(h) = line.strip_prefix("## ").filter(|_| !in_fence) {
            if let Some((id, title, md)) = current.take() {
                steps.push(step(id, title, &md)?);
            }
            let (title, id) = match h.rfind("{#") {
                Some(i) if h.trim_end().ends_with('}') => (
                    h[..i].trim().to_string(),
                    h[i + 2..h.trim_end().len() - 1].trim().to_string(),
                ),
                _ => (h.trim().to_string(), slug(h)),
            };
            current = Some((id, title, String::new()));
        } else if let Some((_, _, md)) = current.as_mut() {
            md.push_str(line);
            md.push('\n');
        } else if !line.trim().is_empty() {
            return Err(ParseError(format!(
                "text before the first '## ' step heading: {line:?}"
            )));
        }
    }
    if let Some((id, title, md)) = current {
        steps.push(step(id, title, &md)?);
    }
    if steps.is_empty() {
        return Err(ParseError(format!("lesson '{id}' has no steps")));
    }
    for (i, s) in steps.iter().enumerate() {
        if steps[..i].iter().any(|t| t.id == s.id) {
            return Err(ParseError(format!(
                "lesson '{id}': two steps have the id '{}'",
                s.id
            )));
        }
    }
    let doc = LessonDoc {
        id,
        title,
        summary,
        steps,
    };
    let ids: Vec<&str> = doc.exercises().map(|(_, e)| e.id.as_str()).collect();
    if let Some(twice) = ids.iter().enumerate().find(|(i, x)| ids[..*i].contains(x)) {
        return Err(ParseError(format!(
            "lesson '{}': two exercises have the id '{}'",
            doc.id, twice.1
        )));
    }
    Ok(doc)
}

fn step(id: String, title: String, md: &str) -> Result<Step, ParseError> {
    let blocks = render_blocks(md).map_err(|e| ParseError(format!("step '{id}': {e}")))?;
    let exercises = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Exercise(e) => Some(e.id.clone()),
            _ => None,
        })
        .collect();
    Ok(Step {
        id,
        title,
        exercises,
        blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\nid: demo\ntitle: A demo\nsummary: Short.\n---\n\n## First step {#one}\nHello $x^2$.\n\n```widget\nland-box\nseed=3\n```\n\nAfter.\n\n## Second: the end\n$$\\sum_i p_i = 1$$\n\n```rust\n## not a heading\n```\n";

    #[test]
    fn splits_steps_and_widgets() {
        let d = parse_lesson(DOC).unwrap();
        assert_eq!(
            (d.id.as_str(), d.title.as_str(), d.summary.as_str()),
            ("demo", "A demo", "Short.")
        );
        assert_eq!(d.steps.len(), 2);
        assert_eq!(d.steps[0].id, "one");
        assert_eq!(d.steps[1].id, "second-the-end");
        let b = &d.steps[0].blocks;
        assert_eq!(b.len(), 3);
        assert!(matches!(&b[0], Block::Html(h) if h.contains("<math") && h.contains("Hello")));
        assert_eq!(
            b[1],
            Block::Widget {
                name: "land-box".into(),
                args: vec!["seed=3".into()]
            }
        );
        assert!(matches!(&b[2], Block::Html(h) if h.contains("After")));
        assert!(
            matches!(&d.steps[1].blocks[0], Block::Html(h) if h.contains("display=\"block\"") && h.contains("tabindex=\"0\""))
        );
        assert!(matches!(&d.steps[1].blocks[0], Block::Html(h) if h.contains("## not a heading")));
    }

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(parse_lesson("no front matter")
            .unwrap_err()
            .0
            .contains("front matter"));
        assert!(parse_lesson("---\nid: x\ntitle: t\n---\n## a\n")
            .unwrap_err()
            .0
            .contains("summary"));
        assert!(
            parse_lesson("---\nid: x\ntitle: t\nsummary: s\n---\n## a\n## a\n")
                .unwrap_err()
                .0
                .contains("two steps")
        );
    }

    #[test]
    fn exercises_are_blocks_and_bad_ones_fail_the_build() {
        let lesson = |ex: &str| {
            format!("---\nid: demo\ntitle: t\nsummary: s\n---\n## Ex {{#ex}}\nFirst.\n\n```exercise\n{ex}\n```\n")
        };
        let good = "id: one\nask: What is $x$?\nanswer: 2 ± 0.1\nhint: *Look*.\nsolution: It is 2.";
        let d = parse_lesson(&lesson(good)).unwrap();
        let (step, e) = d.exercises().next().unwrap();
        assert_eq!((step, e.id.as_str()), (0, "one"));
        assert!(
            e.ask.contains("<math") && e.hint.contains("<em>Look</em>"),
            "{e:?}"
        );
        let err = parse_lesson(&lesson("id: one\nask: a\nhint: h\nsolution: s")).unwrap_err();
        assert!(
            err.0.contains("step 'ex'") && err.0.contains("exactly one"),
            "{err}"
        );
        let twice = format!("{}\n```exercise\n{good}\n```\n", lesson(good));
        assert!(parse_lesson(&twice)
            .unwrap_err()
            .0
            .contains("two exercises"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Laplace smoothing!"), "laplace-smoothing");
        assert_eq!(slug("  P_data vs P_model "), "p-data-vs-p-model");
    }
}
