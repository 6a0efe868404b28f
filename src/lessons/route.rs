//! Where the reader is: the URL fragment parsed into a route, and back. Fragment routing
//! (`#/lesson/…`) works on any static host, with no server rewrite rules.
//!
//! ```text
//! #/                              the course home
//! #/lesson/<lesson>[/<step>]      a lesson, at a step (id or 1-based number)
//! #/embed/<lesson>/<step>         one step alone, for an <iframe>
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
        Route::Lesson { lesson, step } => format!("#/lesson/{}", ids(*lesson, *step)),
        Route::Embed { lesson, step } => format!("#/embed/{}", ids(*lesson, *step)),
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
}
