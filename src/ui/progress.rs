//! The reader's progress on the home page: "continue where you left off", and the
//! progress as a small file to carry to another machine (export, import), or forgotten
//! (reset, after a confirmation).

use super::app::ProgressStore;
use super::browser;
use crate::lessons::progress::{too_large, Progress, FILE_HEADER};
use crate::lessons::{self, route};
use leptos::prelude::*;

/// Whether this course has the step `step` of lesson `lesson` (ids).
fn known(lesson: &str, step: &str) -> bool {
    lessons::all()
        .iter()
        .any(|l| l.doc.id == lesson && l.doc.steps.iter().any(|s| s.id == step))
}

/// Whether this course has the exercise `id` in lesson `lesson` (ids).
fn known_exercise(lesson: &str, id: &str) -> bool {
    lessons::all()
        .iter()
        .any(|l| l.doc.id == lesson && l.doc.exercise_ids().any(|e| e == id))
}

/// A link to the step the reader last opened, if any.
#[component]
pub fn ContinueLink() -> impl IntoView {
    let progress = expect_context::<ProgressStore>();
    move || {
        let (lid, sid) = progress.0.with(|p| p.last.clone())?;
        let l = lessons::all().iter().find(|l| l.doc.id == lid)?;
        let step = l.doc.steps.iter().position(|s| s.id == sid)?;
        let href = route::href(&route::Route::Lesson {
            lesson: l.index,
            step,
        });
        Some(view! {
            <p class="continue">
                <a class="button primary" data-testid="continue" href=href>
                    {format!("Continue where you left off: Lesson {}, {}", l.number, l.doc.steps[step].title)}
                </a>
            </p>
        })
    }
}

/// The text of the first file chosen in a file input, if any (a large file is refused
/// before it is read).
async fn chosen_text(input: &web_sys::HtmlInputElement) -> Result<Option<String>, String> {
    let bytes = browser::chosen_bytes(input, too_large).await?;
    Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Export, import and reset of the progress.
#[component]
pub fn ProgressTools() -> impl IntoView {
    let progress = expect_context::<ProgressStore>();
    let message = RwSignal::new(None::<(bool, String)>);
    let confirming = RwSignal::new(false);
    let export = move |_| {
        let text = progress.0.with_untracked(|p| p.export());
        match browser::download("genlab-progress.txt", "text/plain", &text) {
            Ok(()) => message.set(Some((
                true,
                "Progress saved as genlab-progress.txt.".into(),
            ))),
            Err(_) => message.set(Some((false, browser::DOWNLOAD_REFUSED.into()))),
        }
    };
    let import = move |ev: web_sys::Event| {
        let Some(input) = browser::input_of(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let outcome = match chosen_text(&input).await {
                Ok(Some(text)) => {
                    let mut p = progress.0.get_untracked();
                    match p.import(&text, known, known_exercise) {
                        Ok(got) => {
                            progress.replace(p);
                            Ok(got.describe())
                        }
                        Err(e) => Err(e),
                    }
                }
                Ok(None) => return,
                Err(e) => Err(e),
            };
            input.set_value("");
            message.set(Some(match outcome {
                Ok(m) => (true, m),
                Err(e) => (false, format!("{e} Your progress here is unchanged.")),
            }));
        });
    };
    let forget = move |_| {
        progress.replace(Progress::default());
        confirming.set(false);
        message.set(Some((
            true,
            "Progress reset: no step is marked seen and no exercise solved.".into(),
        )));
    };
    view! {
        <details class="progress-tools" data-testid="progress-tools">
            <summary>"Your progress"</summary>
            <p class="muted">
                {format!("Kept in this browser only. To carry it to another machine, save it as a small file (its first line reads “{FILE_HEADER}”) and open that file there.")}
            </p>
            <div class="controls">
                <button data-testid="progress-export" on:click=export>"Save progress to a file"</button>
                <label class="button">
                    "Open a progress file"
                    <input type="file" accept=".txt,text/plain" class="visually-hidden" data-testid="progress-import" on:change=import/>
                </label>
                <button data-testid="progress-reset" on:click=move |_| confirming.set(true)>"Reset progress…"</button>
            </div>
            <Show when=move || confirming.get()>
                <p class="confirm" role="alert">
                    "Forget every step seen and exercise solved in this browser? This cannot be undone (unless you saved a file)."
                    <button class="danger" data-testid="progress-reset-confirm" on:click=forget>"Forget my progress"</button>
                    <button data-testid="progress-reset-cancel" on:click=move |_| confirming.set(false)>"Keep it"</button>
                </p>
            </Show>
            {move || message.get().map(|(ok, m)| view! {
                <p class=if ok { "muted" } else { "error" } role="status" data-testid="progress-message">{m}</p>
            })}
        </details>
    }
}
