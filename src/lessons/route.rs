//! Where the reader is: the URL fragment parsed into a route, and back. Fragment routing
//! (`#/lesson/…`) works on any static host, with no server rewrite rules.
//!
//! ```text
//! #/                              the course home
//! #/lesson/<lesson>[/<step>]      a lesson, at a step (id or 1-based number)
//! #/embed/<lesson>/<step>[?…]     one step alone, for an <iframe> (options: `theme`,
//!                                 `prose`; see [`embed_options`])
//! #/embedding                     how to embed Genlab: every step, with its snippets
//! ```

use super::{find, Lesson};

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    Home,
    Lesson {
        lesson: usize,
        step: usize,
    },
    Embed {
        lesson: usize,
        step: usize,
    },
    /// How to embed Genlab: every step with its snippets.
    EmbedGuide,
    /// A URL that names nothing: what was asked for, in words.
    NotFound(String),
}

fn lesson_and_step(parts: &[&str]) -> Result<(&'static Lesson, usize), String> {
    let key = parts.first().copied().unwrap_or("");
    let lesson = find(key).ok_or_else(|| format!("There is no lesson called “{key}”."))?;
    let step = match parts.get(1) {
        None | Some(&"") => 0,
        Some(s) => lesson
            .step_index(s)
            .ok_or_else(|| format!("The lesson “{}” has no step “{s}”.", lesson.doc.title))?,
    };
    if parts.len() > 2 {
        return Err(format!(
            "The address has extra parts: “{}”.",
            parts[2..].join("/")
        ));
    }
    Ok((lesson, step))
}

/// Parses a fragment such as `#/lesson/pixels/correlation`.
pub fn parse(hash: &str) -> Route {
    let h = hash.trim_start_matches('#').trim_start_matches('/');
    let h = h.split(['?', '&']).next().unwrap_or("");
    let decoded = match percent_decode(h) {
        Some(d) => d,
        None => return Route::NotFound("The address is not valid (bad % escape).".into()),
    };
    let parts: Vec<&str> = decoded.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        [""] => Route::Home,
        ["embedding"] => Route::EmbedGuide,
        ["lesson", rest @ ..] => match lesson_and_step(rest) {
            Ok((l, step)) => Route::Lesson {
                lesson: l.index,
                step,
            },
            Err(e) => Route::NotFound(e),
        },
        ["embed", rest @ ..] => match lesson_and_step(rest) {
            Ok((l, step)) => Route::Embed {
                lesson: l.index,
                step,
            },
            Err(e) => Route::NotFound(e),
        },
        _ => Route::NotFound(format!("Nothing lives at “{decoded}”.")),
    }
}

/// The canonical fragment of a route (step ids, not numbers).
pub fn href(route: &Route) -> String {
    let ids = |lesson: usize, step: usize| {
        let l = &super::all()[lesson];
        format!("{}/{}", l.doc.id, l.doc.steps[step].id)
    };
    match route {
        Route::Home | Route::NotFound(_) => "#/".into(),
        Route::EmbedGuide => "#/embedding".into(),
        Route::Lesson { lesson, step } => format!("#/lesson/{}", ids(*lesson, *step)),
        Route::Embed { lesson, step } => format!("#/embed/{}", ids(*lesson, *step)),
    }
}

/// How an embedded step is shown: the query after an embed route,
/// `#/embed/<lesson>/<step>?theme=dark&prose=hidden`.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedOptions {
    /// "light" or "dark"; `None`: as the reader's system asks.
    pub theme: Option<&'static str>,
    /// The step's prose shown (the default), or its widgets alone.
    pub prose: bool,
    /// What the query asked for that means nothing here, to say quietly (the defaults
    /// stand in for it).
    pub ignored: Vec<String>,
}

/// The options of an embed fragment; anything not understood is left at its default and
/// listed in `ignored`, never an error.
pub fn embed_options(hash: &str) -> EmbedOptions {
    let mut o = EmbedOptions {
        theme: None,
        prose: true,
        ignored: Vec::new(),
    };
    let query = hash.split_once('?').map_or("", |(_, q)| q);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (key, value) {
            ("theme", "light") => o.theme = Some("light"),
            ("theme", "dark") => o.theme = Some("dark"),
            ("prose", "hidden") => o.prose = false,
            ("prose", "shown") => o.prose = true,
            // A control's value (see [`widget_state`]), not an embed option.
            (k, _) if k.starts_with(STATE_PREFIX) => {}
            _ => o.ignored.push(pair.chars().take(40).collect()),
        }
    }
    o
}

/// The prefix of a control's value in a step's address: `#/lesson/a/b?s.h-slider=1.5`.
pub const STATE_PREFIX: &str = "s.";

/// The controls' values an address carries (`s.<control>=<value>`, the control named by
/// its test id), in order.
pub fn widget_state(hash: &str) -> Vec<(String, String)> {
    let query = hash.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            let key = key.strip_prefix(STATE_PREFIX)?;
            Some((key.to_string(), percent_decode(value)?))
        })
        .collect()
}

/// A step's address carrying the controls' values: `#/lesson/a/b?s.k=v&…`.
pub fn state_href(route: &Route, state: &[(String, String)]) -> String {
    let query: Vec<String> = state
        .iter()
        .map(|(k, v)| format!("{STATE_PREFIX}{k}={}", percent_encode(v)))
        .collect();
    if query.is_empty() {
        href(route)
    } else {
        format!("{}?{}", href(route), query.join("&"))
    }
}

/// A slider's value from an address: a number within `min..=max`, on the slider's grid
/// of `step`s; otherwise why not (the slider keeps its default).
pub fn slider_value(text: &str, min: f64, max: f64, step: f64) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("“{text}” is not a number"))?;
    if v < min || v > max {
        return Err(format!("{text} is outside {min}–{max}"));
    }
    let snapped = if step > 0.0 {
        min + ((v - min) / step).round() * step
    } else {
        v
    };
    Ok(snapped.clamp(min, max))
}

/// How a choice's option is written in an address: its label as a slug ("two moons" →
/// "two-moons").
pub fn choice_key(label: &str) -> String {
    super::doc::slug(label)
}

/// Which of the `labels` an address names (by [`choice_key`]); otherwise why not (the
/// choice keeps its default).
pub fn choice_value(text: &str, labels: &[&str]) -> Result<usize, String> {
    let want = choice_key(text);
    labels
        .iter()
        .position(|l| choice_key(l) == want)
        .ok_or_else(|| {
            let keys: Vec<String> = labels.iter().map(|l| choice_key(l)).collect();
            format!("“{text}” is not one of {}", keys.join(", "))
        })
}

/// The most drawn points an address carries.
pub const MAX_SHARED_POINTS: usize = 1000;

/// Drawn points as an address carries them: `x,y;x,y`, to three decimals.
pub fn points_text(points: &[(f32, f32)]) -> String {
    let num = |v: f32| match crate::plot::trim_zeros(format!("{v:.3}")) {
        s if s == "-0" => "0".to_string(),
        s => s,
    };
    points
        .iter()
        .map(|&(x, y)| format!("{},{}", num(x), num(y)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Drawn points from an address (`x,y;x,y`); otherwise why not (the drawing stays empty).
pub fn points_value(text: &str) -> Result<Vec<(f32, f32)>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let pairs: Vec<&str> = text.split(';').collect();
    if pairs.len() > MAX_SHARED_POINTS {
        return Err(format!(
            "{} points are more than the {MAX_SHARED_POINTS} a link can carry",
            pairs.len()
        ));
    }
    pairs
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let coord = |s: Option<&str>| {
                s.and_then(|s| s.trim().parse::<f32>().ok())
                    .filter(|v| v.is_finite())
            };
            let mut parts = pair.split(',');
            match (coord(parts.next()), coord(parts.next()), parts.next()) {
                (Some(x), Some(y), None) => Ok((x, y)),
                _ => Err(format!("point {} (“{pair}”) is not two numbers x,y", i + 1)),
            }
        })
        .collect()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            // Unreserved, and the separators of drawn points (allowed in a fragment).
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b';' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Attribute text with `&`, `"` and `<` escaped.
fn attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The `<iframe>` snippet that embeds a step of the site at `base` (its address without
/// the fragment), with the few lines of script that size it from its height messages.
pub fn iframe_snippet(base: &str, lesson: usize, step: usize) -> String {
    let src = format!("{base}{}", href(&Route::Embed { lesson, step }));
    let title = &super::all()[lesson].doc.steps[step].title;
    format!(
        "<iframe data-genlab src=\"{}\" style=\"width:100%;border:0\" height=\"600\" title=\"{}\" loading=\"lazy\"></iframe>\n<script>addEventListener('message',e=>{{if(e.origin==='{}'&&e.data&&e.data.type==='genlab-height')for(const f of document.querySelectorAll('iframe[data-genlab]'))if(f.contentWindow===e.source)f.style.height=e.data.height+'px'}})</script>",
        attr(&src),
        attr(title),
        origin(base)
    )
}

/// The custom-element snippet that embeds a step: the site's `www/embed.js` and one
/// `<genlab-step>` element.
pub fn element_snippet(base: &str, lesson: usize, step: usize) -> String {
    let doc = &super::all()[lesson].doc;
    let dir = base.rsplit_once('/').map_or(base, |(d, _)| d);
    format!(
        "<script src=\"{}/www/embed.js\" defer></script>\n<genlab-step lesson=\"{}\" step=\"{}\"></genlab-step>",
        attr(dir),
        attr(&doc.id),
        attr(&doc.steps[step].id)
    )
}

/// The origin (scheme, host and port) of an address.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_points_travel_as_text_and_back() {
        let pts = vec![(0.5f32, -1.25f32), (-0.0001, 2.0), (120.3333, -45.0)];
        let text = points_text(&pts);
        assert_eq!(text, "0.5,-1.25;0,2;120.333,-45");
        let back = points_value(&text).unwrap();
        assert_eq!(back.len(), 3);
        for (a, b) in back.iter().zip(&pts) {
            assert!(
                (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3,
                "{a:?} {b:?}"
            );
        }
        assert_eq!(points_value("").unwrap(), vec![]);
        // In an address the separators stay as they are.
        let href = state_href(&Route::Home, &[("gan-draw".into(), text.clone())]);
        assert!(href.ends_with(&format!("?s.gan-draw={text}")), "{href}");
        assert_eq!(widget_state(&href)[0].1, text);
    }

    #[test]
    fn bad_drawn_points_say_which() {
        let e = points_value("0.5,1;2;3,4").unwrap_err();
        assert!(e.contains("point 2") && e.contains("“2”"), "{e}");
        assert!(points_value("1,2,3").unwrap_err().contains("point 1"));
        assert!(points_value("nan,1").is_err());
        assert!(points_value("1,inf").is_err());
        let many = vec!["0,0"; MAX_SHARED_POINTS + 1].join(";");
        assert!(points_value(&many).unwrap_err().contains("1001 points"));
    }

    #[test]
    fn parses_routes() {
        assert_eq!(parse(""), Route::Home);
        assert_eq!(parse("#/"), Route::Home);
        assert_eq!(
            parse("#/lesson/fashion-outfits"),
            Route::Lesson { lesson: 2, step: 0 }
        );
        assert_eq!(parse("#/lesson/2/3"), Route::Lesson { lesson: 2, step: 2 });
        assert_eq!(
            parse("#/lesson/pixels/correlation/"),
            Route::Lesson { lesson: 3, step: 2 }
        );
        assert_eq!(
            parse("#/embed/p-data-p-model/reveal"),
            Route::Embed { lesson: 1, step: 1 }
        );
    }

    #[test]
    fn embed_options_fall_back_to_defaults_quietly() {
        let o = embed_options("#/embed/pixels/correlation?theme=dark&prose=hidden");
        assert_eq!(
            (o.theme, o.prose, o.ignored.len()),
            (Some("dark"), false, 0)
        );
        let o = embed_options("#/embed/pixels/correlation");
        assert_eq!((o.theme, o.prose), (None, true));
        let o = embed_options("#/embed/pixels/correlation?theme=blue&size=9&prose=shown");
        assert_eq!((o.theme, o.prose), (None, true));
        assert_eq!(o.ignored, vec!["theme=blue", "size=9"]);
        // The route itself ignores the query.
        assert_eq!(
            parse("#/embed/pixels/correlation?theme=dark"),
            Route::Embed { lesson: 3, step: 2 }
        );
        assert_eq!(parse("#/embedding"), Route::EmbedGuide);
    }

    #[test]
    fn snippets_name_the_step_and_the_site() {
        let base = "https://example.org/genlab/index.html";
        let i = iframe_snippet(base, 3, 2);
        assert!(
            i.contains("src=\"https://example.org/genlab/index.html#/embed/pixels/correlation\"")
        );
        assert!(i.contains("e.origin==='https://example.org'"));
        let e = element_snippet(base, 3, 2);
        assert!(e.contains("src=\"https://example.org/genlab/www/embed.js\""));
        assert!(e.contains("<genlab-step lesson=\"pixels\" step=\"correlation\">"));
        let e = element_snippet("http://127.0.0.1:8811/", 3, 2);
        assert!(
            e.contains("src=\"http://127.0.0.1:8811/www/embed.js\""),
            "{e}"
        );
    }

    #[test]
    fn bad_urls_are_not_found_with_a_reason() {
        for (h, want) in [
            ("#/lesson/nope", "no lesson"),
            ("#/lesson/pixels/nope", "no step"),
            ("#/lesson/pixels/99", "no step"),
            ("#/lesson/%ZZ", "not valid"),
            ("#/lesson/pixels/pixels/x", "extra parts"),
            ("#/admin", "Nothing lives"),
            ("#/embed/", "no lesson"),
        ] {
            match parse(h) {
                Route::NotFound(m) => assert!(m.contains(want), "{h}: {m}"),
                r => panic!("{h} parsed as {r:?}"),
            }
        }
    }

    #[test]
    fn href_round_trips() {
        for l in super::super::all() {
            for s in 0..l.doc.steps.len() {
                for r in [
                    Route::Lesson {
                        lesson: l.index,
                        step: s,
                    },
                    Route::Embed {
                        lesson: l.index,
                        step: s,
                    },
                ] {
                    assert_eq!(parse(&href(&r)), r);
                }
            }
        }
    }

    #[test]
    fn controls_travel_in_the_address() {
        let h = "#/lesson/p-data-p-model/better-models?s.k-slider=3&s.h-slider=1.5&theme=dark";
        assert_eq!(
            widget_state(h),
            [
                ("k-slider".to_string(), "3".to_string()),
                ("h-slider".to_string(), "1.5".to_string())
            ]
        );
        assert!(matches!(parse(h), Route::Lesson { .. }));
        let r = parse(h);
        let back = state_href(&r, &widget_state(h));
        assert_eq!(widget_state(&back), widget_state(h));
        assert_eq!(state_href(&r, &[]), href(&r));
        // An embed's options do not count the controls as unknown.
        assert!(embed_options("#/embed/x/y?s.k-slider=3").ignored.is_empty());
        assert_eq!(slider_value("1.26", 0.5, 40.0, 0.5), Ok(1.5));
        assert!(slider_value("99", 1.0, 12.0, 1.0)
            .unwrap_err()
            .contains("outside"));
        assert!(slider_value("abc", 1.0, 12.0, 1.0)
            .unwrap_err()
            .contains("not a number"));
        let labels = ["ring of 8", "two moons", "draw your own"];
        assert_eq!(choice_key(labels[1]), "two-moons");
        assert_eq!(choice_value("two-moons", &labels), Ok(1));
        assert_eq!(
            choice_value("three-moons", &labels),
            Err("“three-moons” is not one of ring-of-8, two-moons, draw-your-own".into())
        );
        let odd = state_href(&r, &[("seed".into(), "a b&c".into())]);
        assert_eq!(
            widget_state(&odd),
            [("seed".to_string(), "a b&c".to_string())]
        );
    }
}
