//! Exercises: a question written in a lesson's Markdown, and how a reader's answer is
//! judged. Three kinds: a number (within a tolerance), a choice, and a goal reached in a
//! widget, read from the numbers widgets publish ([`Facts`]). An answer may itself be a
//! published number, so it is computed by our code from the reader's own data.
//!
//! ````text
//! ```exercise
//! id: red-share
//! ask: What share of the fifty outfits above has red hair?
//! answer: outfits.red-share ± 0.005      (or a number: 0.24 ± 0.005)
//! hint: Count them, then divide by fifty.
//! solution: {{outfits.red-count}} of 50 have red hair: {{outfits.red-share}}.
//! ```
//! ````
//!
//! A choice has one `right:` line and `wrong:` lines, shown in the order written; a goal
//! has `goal: land.a-inside = 0 and land.box-mass >= 0.5`. `{{name}}` in any text shows a
//! published number. [`Spec::parse`] runs at build time; the page only judges.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The numbers the widgets on the page have published, by name ("land.box-mass").
pub type Facts = BTreeMap<String, f64>;

/// One exercise, its texts already rendered to HTML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exercise {
    /// Unique within its lesson; progress records it.
    pub id: String,
    pub ask: String,
    pub check: Check,
    pub hint: String,
    pub solution: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Check {
    Number { answer: Operand, within: f64 },
    Choice { options: Vec<String>, right: usize },
    Goal(Vec<Clause>),
}

/// A literal number or a published one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Operand {
    Value(f64),
    Fact(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

/// `left op right`; every clause of a goal must hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    pub left: Operand,
    pub op: Cmp,
    pub right: Operand,
}

/// What the page says to an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Right,
    /// Wrong, with a word on why ("too high"); counts as a try.
    Wrong(String),
    /// Not judged: the input is not a number, or the widget has not published yet. Not a
    /// try.
    Unjudged(String),
}

/// Wrong tries after which the worked answer is offered.
pub const TRIES_BEFORE_SOLUTION: u32 = 2;

impl Operand {
    fn value(&self, facts: &Facts) -> Option<f64> {
        match self {
            Operand::Value(v) => Some(*v),
            Operand::Fact(name) => facts.get(name).copied().filter(|v| v.is_finite()),
        }
    }

    fn parse(s: &str) -> Result<Operand, String> {
        let s = s.trim();
        if let Ok(v) = parse_number(s) {
            return Ok(Operand::Value(v));
        }
        if fact_name(s) {
            Ok(Operand::Fact(s.to_string()))
        } else {
            Err(format!(
                "“{s}” is neither a number nor a published number's name"
            ))
        }
    }
}

/// Names of published numbers: `lesson-topic.what`, lowercase letters, digits, `-`, `.`.
pub fn fact_name(s: &str) -> bool {
    s.contains('.')
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

/// A number as a reader types it: "0.24", "0,24", "12/50", "24 %", "−1.5", "3e-4".
pub fn parse_number(input: &str) -> Result<f64, String> {
    let s: String = input
        .trim()
        .replace(['−', '–'], "-")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bad = || {
        format!(
            "“{}” is not a number: write it like 0.24, 12/50 or 24 %.",
            input.trim()
        )
    };
    let plain = |t: &str| -> Result<f64, String> {
        // "271,810" and "1,000,000" group thousands; "0,24" is a decimal comma.
        let (lead, groups) = t.split_once(',').unwrap_or((t, ""));
        let thousands = !groups.is_empty()
            && groups.split(',').all(|g| g.len() == 3)
            && (groups.contains(',') || !t.contains('.'))
            && !matches!(lead.trim_start_matches('-'), "0" | "");
        let t = if thousands {
            t.replace(',', "")
        } else if t.contains(',') && !t.contains('.') {
            t.replace(',', ".")
        } else {
            t.to_string()
        };
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(bad)
    };
    if s.is_empty() {
        return Err("Type a number first.".into());
    }
    if let Some(p) = s.strip_suffix('%') {
        return plain(p).map(|v| v / 100.0);
    }
    if let Some((a, b)) = s.split_once('/') {
        let (a, b) = (plain(a)?, plain(b)?);
        return if b == 0.0 { Err(bad()) } else { Ok(a / b) };
    }
    plain(&s)
}

const WAITING: &str = "The widget above has not worked this out yet: use it first.";

impl Check {
    /// Judges a typed number.
    pub fn judge_number(&self, input: &str, facts: &Facts) -> Verdict {
        let Check::Number { answer, within } = self else {
            return Verdict::Unjudged("This exercise is not answered with a number.".into());
        };
        let Some(truth) = answer.value(facts) else {
            return Verdict::Unjudged(WAITING.into());
        };
        match parse_number(input) {
            Err(why) => Verdict::Unjudged(why),
            Ok(v) if (v - truth).abs() <= *within + 1e-12 * truth.abs() => Verdict::Right,
            Ok(v) if v > truth => Verdict::Wrong("Not quite: that is too high.".into()),
            Ok(_) => Verdict::Wrong("Not quite: that is too low.".into()),
        }
    }

    /// Judges the option picked (its index in the written order).
    pub fn judge_choice(&self, picked: Option<usize>) -> Verdict {
        match (self, picked) {
            (Check::Choice { .. }, None) => {
                Verdict::Unjudged("Pick one of the answers first.".into())
            }
            (Check::Choice { right, .. }, Some(i)) if i == *right => Verdict::Right,
            (Check::Choice { .. }, Some(_)) => Verdict::Wrong("Not that one.".into()),
            _ => Verdict::Unjudged("This exercise is not a choice.".into()),
        }
    }

    /// Judges a widget goal from what the widgets published.
    pub fn judge_goal(&self, facts: &Facts) -> Verdict {
        let Check::Goal(clauses) = self else {
            return Verdict::Unjudged("This exercise has no widget goal.".into());
        };
        for c in clauses {
            let (Some(l), Some(r)) = (c.left.value(facts), c.right.value(facts)) else {
                return Verdict::Unjudged(WAITING.into());
            };
            let holds = match c.op {
                Cmp::Lt => l < r,
                Cmp::Le => l <= r,
                Cmp::Gt => l > r,
                Cmp::Ge => l >= r,
                Cmp::Eq => (l - r).abs() <= 1e-9 * (1.0 + r.abs()),
            };
            if !holds {
                return Verdict::Wrong("Not yet.".into());
            }
        }
        Verdict::Right
    }

    /// The published numbers this check reads.
    pub fn facts(&self) -> Vec<&str> {
        let ops: Vec<&Operand> = match self {
            Check::Number { answer, .. } => vec![answer],
            Check::Choice { .. } => vec![],
            Check::Goal(cs) => cs.iter().flat_map(|c| [&c.left, &c.right]).collect(),
        };
        ops.into_iter()
            .filter_map(|o| match o {
                Operand::Fact(n) => Some(n.as_str()),
                Operand::Value(_) => None,
            })
            .collect()
    }
}

/// Where the `{{name}}` placeholders of `text` are: each one's byte range (braces
/// included) and the name. `{{` around anything but a name is left as text.
fn placeholder_spans(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("{{").map(|i| at + i) {
        let Some(j) = text[i + 2..].find("}}").map(|j| i + 2 + j) else {
            break;
        };
        let name = text[i + 2..j].trim();
        if fact_name(name) {
            spans.push((i..j + 2, name));
            at = j + 2;
        } else {
            at = i + 2;
        }
    }
    spans
}

/// `text` with every `{{name}}` replaced by the published number (`format`ted), or “…”
/// while it is not published.
pub fn fill(text: &str, facts: &Facts, format: impl Fn(f64) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, name) in placeholder_spans(text) {
        out.push_str(&text[at..span.start]);
        match facts.get(name) {
            Some(v) => out.push_str(&format(*v)),
            None => out.push('…'),
        }
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The names `{{…}}` placeholders in `text` read.
pub fn placeholders(text: &str) -> Vec<String> {
    placeholder_spans(text)
        .into_iter()
        .map(|(_, name)| name.to_string())
        .collect()
}

impl Exercise {
    /// Every published number the exercise reads, in its check and its texts.
    pub fn facts(&self) -> Vec<String> {
        let mut v: Vec<String> = self.check.facts().into_iter().map(String::from).collect();
        for t in [&self.ask, &self.hint, &self.solution] {
            v.extend(placeholders(t));
        }
        if let Check::Choice { options, .. } = &self.check {
            options.iter().for_each(|o| v.extend(placeholders(o)));
        }
        v.sort();
        v.dedup();
        v
    }

    /// Parses an `exercise` block's body; `render` turns a text's Markdown into HTML.
    pub fn parse(body: &str, render: impl Fn(&str) -> String) -> Result<Exercise, String> {
        // key: value lines; a line indented by spaces continues the value above.
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in body.lines() {
            if line.trim().is_empty() {
                continue;
            }
            if line.starts_with(' ') || line.starts_with('\t') {
                let Some(last) = fields.last_mut() else {
                    return Err(format!("an indented line before any key: {line:?}"));
                };
                last.1.push('\n');
                last.1.push_str(line.trim());
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                return Err(format!("not a `key: value` line: {line:?}"));
            };
            fields.push((k.trim().to_string(), v.trim().to_string()));
        }
        let one = |key: &str| -> Result<String, String> {
            let mut it = fields.iter().filter(|(k, _)| k == key);
            match (it.next(), it.next()) {
                (Some((_, v)), None) if !v.is_empty() => Ok(v.clone()),
                (None, _) => Err(format!("no `{key}:` line")),
                (Some(_), Some(_)) => Err(format!("two `{key}:` lines")),
                _ => Err(format!("`{key}:` is empty")),
            }
        };
        for (k, _) in &fields {
            if ![
                "id", "ask", "answer", "right", "wrong", "goal", "hint", "solution",
            ]
            .contains(&k.as_str())
            {
                return Err(format!("unknown key `{k}:`"));
            }
        }
        let id = one("id")?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!("id “{id}”: use lowercase letters, digits and -"));
        }
        let has = |key: &str| fields.iter().any(|(k, _)| k == key);
        let kinds = [has("answer"), has("right"), has("goal")];
        if kinds.iter().filter(|&&b| b).count() != 1 {
            return Err(format!(
                "exercise {id}: give exactly one of `answer:`, `right:` (with `wrong:`) or `goal:`"
            ));
        }
        let check = if has("answer") {
            let a = one("answer")?;
            let (v, tol) = a
                .split_once('±')
                .or_else(|| a.split_once("+-"))
                .ok_or_else(|| format!("exercise {id}: `answer: {a}` needs “± tolerance”"))?;
            let within = parse_number(tol).map_err(|e| format!("exercise {id}: {e}"))?;
            if within < 0.0 {
                return Err(format!("exercise {id}: a negative tolerance"));
            }
            Check::Number {
                answer: Operand::parse(v).map_err(|e| format!("exercise {id}: {e}"))?,
                within,
            }
        } else if has("right") {
            let wrong = fields.iter().filter(|(k, _)| k == "wrong").count();
            if wrong == 0 {
                return Err(format!(
                    "exercise {id}: a choice needs `wrong:` options too"
                ));
            }
            one("right")?;
            let opts: Vec<&(String, String)> = fields
                .iter()
                .filter(|(k, _)| k == "right" || k == "wrong")
                .collect();
            Check::Choice {
                right: opts.iter().position(|(k, _)| k == "right").unwrap_or(0),
                options: opts.iter().map(|(_, v)| inline(&render(v))).collect(),
            }
        } else {
            let g = one("goal")?;
            let clauses = g
                .split(" and ")
                .map(parse_clause)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("exercise {id}: {e}"))?;
            Check::Goal(clauses)
        };
        Ok(Exercise {
            ask: render(&one("ask")?),
            hint: render(&one("hint")?),
            solution: render(&one("solution")?),
            id,
            check,
        })
    }
}

/// A one-paragraph rendering without its `<p>` wrapper (for an option's label).
fn inline(html: &str) -> String {
    let t = html.trim();
    match t.strip_prefix("<p>").and_then(|r| r.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => t.to_string(),
    }
}

fn parse_clause(s: &str) -> Result<Clause, String> {
    // Two-character operators first, so "<=" is not read as "<".
    for (sym, op) in [
        ("<=", Cmp::Le),
        (">=", Cmp::Ge),
        ("<", Cmp::Lt),
        (">", Cmp::Gt),
        ("=", Cmp::Eq),
    ] {
        if let Some((l, r)) = s.split_once(sym) {
            return Ok(Clause {
                left: Operand::parse(l)?,
                op,
                right: Operand::parse(r)?,
            });
        }
    }
    Err(format!(
        "goal clause “{}” has no comparison (<, <=, >, >=, =)",
        s.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        format!("<p>{s}</p>")
    }

    fn facts(pairs: &[(&str, f64)]) -> Facts {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn numbers_as_readers_type_them() {
        for (s, v) in [
            ("0.24", 0.24),
            (" 0,24 ", 0.24),
            ("12/50", 0.24),
            ("24 %", 0.24),
            ("24%", 0.24),
            ("−1.5", -1.5),
            ("3e-4", 3e-4),
            ("1 000", 1000.0),
            ("271,810", 271810.0),
            ("3,133,440", 3133440.0),
            ("1,5", 1.5),
            ("0,240", 0.24),
        ] {
            assert!((parse_number(s).unwrap() - v).abs() < 1e-12, "{s}");
        }
        for s in ["", "abc", "1/0", "inf", "NaN", "1/2/3"] {
            assert!(parse_number(s).is_err(), "{s}");
        }
        assert!(parse_number("abc").unwrap_err().contains("“abc”"));
    }

    #[test]
    fn a_number_exercise_judges_within_its_tolerance() {
        let e = Exercise::parse(
            "id: red\nask: How many?\n  Go on.\nanswer: 0.24 ± 0.005\nhint: Count.\nsolution: 12/50.",
            plain,
        )
        .unwrap();
        assert_eq!(e.ask, "<p>How many?\nGo on.</p>");
        let f = Facts::new();
        assert_eq!(e.check.judge_number("12/50", &f), Verdict::Right);
        assert_eq!(e.check.judge_number("0.244", &f), Verdict::Right);
        assert!(matches!(e.check.judge_number("0.3", &f), Verdict::Wrong(w) if w.contains("high")));
        assert!(matches!(e.check.judge_number("0.2", &f), Verdict::Wrong(w) if w.contains("low")));
        assert!(matches!(
            e.check.judge_number("lots", &f),
            Verdict::Unjudged(_)
        ));
    }

    #[test]
    fn an_answer_can_be_a_published_number() {
        let e = Exercise::parse(
            "id: red\nask: a\nanswer: outfits.red-share ± 0.01\nhint: h\nsolution: {{outfits.red-count}} of 50",
            plain,
        )
        .unwrap();
        assert_eq!(e.facts(), ["outfits.red-count", "outfits.red-share"]);
        assert!(matches!(
            e.check.judge_number("0.2", &Facts::new()),
            Verdict::Unjudged(_)
        ));
        let f = facts(&[("outfits.red-share", 0.18), ("outfits.red-count", 9.0)]);
        assert_eq!(e.check.judge_number("9/50", &f), Verdict::Right);
        assert_eq!(fill(&e.solution, &f, |v| format!("{v}")), "<p>9 of 50</p>");
        assert_eq!(
            fill(&e.solution, &Facts::new(), |v| format!("{v}")),
            "<p>… of 50</p>"
        );
        assert_eq!(fill("\\frac{{a}}", &f, |v| format!("{v}")), "\\frac{{a}}");
    }

    #[test]
    fn a_choice_keeps_the_written_order() {
        let e = Exercise::parse(
            "id: which\nask: Which?\nwrong: the blue one\nright: the *red* one\nwrong: neither\nhint: h\nsolution: s",
            plain,
        )
        .unwrap();
        let Check::Choice { options, right } = &e.check else {
            panic!("{e:?}")
        };
        assert_eq!(options[1], "the *red* one");
        assert_eq!(*right, 1);
        assert_eq!(e.check.judge_choice(Some(1)), Verdict::Right);
        assert!(matches!(e.check.judge_choice(Some(0)), Verdict::Wrong(_)));
        assert!(matches!(e.check.judge_choice(None), Verdict::Unjudged(_)));
    }

    #[test]
    fn a_goal_reads_the_widgets_numbers() {
        let e = Exercise::parse(
            "id: box\nask: Move the box.\ngoal: land.a-inside = 0 and land.box-mass >= 0.5\nhint: h\nsolution: s",
            plain,
        )
        .unwrap();
        assert!(matches!(
            e.check.judge_goal(&Facts::new()),
            Verdict::Unjudged(_)
        ));
        let f = |a, m| facts(&[("land.a-inside", a), ("land.box-mass", m)]);
        assert!(matches!(
            e.check.judge_goal(&f(1.0, 0.7)),
            Verdict::Wrong(_)
        ));
        assert!(matches!(
            e.check.judge_goal(&f(0.0, 0.4)),
            Verdict::Wrong(_)
        ));
        assert_eq!(e.check.judge_goal(&f(0.0, 0.5)), Verdict::Right);
        let two = Exercise::parse(
            "id: kde\nask: a\ngoal: kde.heldout > mixture.heldout\nhint: h\nsolution: s",
            plain,
        )
        .unwrap();
        let g = facts(&[("kde.heldout", -2.0), ("mixture.heldout", -2.5)]);
        assert_eq!(two.check.judge_goal(&g), Verdict::Right);
    }

    #[test]
    fn bad_blocks_say_what_is_wrong() {
        let err = |body: &str| Exercise::parse(body, plain).unwrap_err();
        assert!(err("ask: a\nanswer: 1 ± 0\nhint: h\nsolution: s").contains("no `id:`"));
        assert!(err("id: x\nask: a\nanswer: 1\nhint: h\nsolution: s").contains("±"));
        assert!(err("id: x\nask: a\nright: r\nhint: h\nsolution: s").contains("wrong"));
        assert!(
            err("id: x\nask: a\nanswer: 1 ± 0\ngoal: a.b > 1\nhint: h\nsolution: s")
                .contains("exactly one")
        );
        assert!(err("id: x\nask: a\ngoal: a.b ~ 1\nhint: h\nsolution: s").contains("comparison"));
        assert!(err("id: X\nask: a\nanswer: 1 ± 0\nhint: h\nsolution: s").contains("lowercase"));
        assert!(
            err("id: x\nask: a\nanswer: 1 ± 0\nhint: h\nsolution: s\ncolour: red")
                .contains("unknown key")
        );
        assert!(err("id: x\nask: a\nanswer: 1 ± 0\nsolution: s").contains("no `hint:`"));
    }
}
