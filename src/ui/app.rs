//! The shell: routing on the URL fragment, the course home, lesson pages with steps,
//! the embed view, and the not-found page.

use super::browser;
use super::compute::{Compute, ComputeBadge};
use super::split::later_fn;
use super::widgets::{Shared, Widget};
use crate::lessons::progress::Progress;
use crate::lessons::route::{self, Route};
use crate::lessons::{self, Block};
use leptos::prelude::*;
use std::sync::Arc;

const PROGRESS_KEY: &str = "genlab:progress:v1";
/// The exercises solved, as `lesson=id,id;…`.
const SOLVED_KEY: &str = "genlab:solved:v1";
/// The step opened last, as `lesson/step`.
const LAST_KEY: &str = "genlab:last:v1";

/// The reader's progress, kept in localStorage.
#[derive(Clone, Copy)]
pub struct ProgressStore(pub RwSignal<Progress>);

impl ProgressStore {
    /// The progress this browser kept.
    fn load() -> ProgressStore {
        let mut p = Progress::parse(&browser::storage_get(PROGRESS_KEY).unwrap_or_default());
        p.parse_solved(&browser::storage_get(SOLVED_KEY).unwrap_or_default());
        p.last = browser::storage_get(LAST_KEY)
            .and_then(|at| at.split_once('/').map(|(l, s)| (l.into(), s.into())));
        ProgressStore(RwSignal::new(p))
    }

    /// Marks a step seen; `opened` (a lesson page, not an embed) also makes it the step
    /// to continue from.
    fn mark(&self, lesson: usize, step: usize, opened: bool) {
        let l = &lessons::all()[lesson].doc;
        let (lid, sid) = (l.id.as_str(), l.steps[step].id.as_str());
        let last = Some((lid.to_string(), sid.to_string()));
        let new_last = opened && self.0.with_untracked(|p| p.last != last);
        if !self.0.with_untracked(|p| p.has(lid, sid)) || new_last {
            self.0.update(|p| {
                p.mark(lid, sid);
                if opened {
                    p.last = last;
                }
            });
            self.save();
        }
    }

    /// Records an exercise of lesson `lesson` (index) solved.
    pub fn solve(&self, lesson: usize, exercise: &str) {
        let lid = &lessons::all()[lesson].doc.id;
        if !self.0.with_untracked(|p| p.is_solved(lid, exercise)) {
            self.0.update(|p| p.solve(lid, exercise));
            self.save();
        }
    }

    /// Replaces the progress (an import, a reset) and keeps it.
    pub fn replace(&self, p: Progress) {
        self.0.set(p);
        self.save();
    }

    fn save(&self) {
        self.0.with_untracked(|p| {
            browser::storage_set(PROGRESS_KEY, &p.serialise());
            browser::storage_set(SOLVED_KEY, &p.serialise_solved());
            let last = p.last.as_ref().map(|(l, s)| format!("{l}/{s}"));
            browser::storage_set(LAST_KEY, &last.unwrap_or_default());
        });
    }
}

#[component]
pub fn App() -> impl IntoView {
    let hash = RwSignal::new(browser::hash());
    let _ = window_event_listener(leptos::ev::hashchange, move |_| hash.set(browser::hash()));
    let route = Memo::new(move |_| route::parse(&hash.get()));

    super::training::init();
    let compute = Compute::new();
    provide_context(compute);
    super::engine::init(compute);
    provide_context(Shared::new());
    let progress = ProgressStore::load();
    provide_context(progress);
    provide_context(super::kit::state::ControlState::new());

    // ← / → move between steps, unless the reader is typing or using a slider.
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        let tag = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .map(|e| e.tag_name().to_lowercase())
            .unwrap_or_default();
        if matches!(tag.as_str(), "input" | "select" | "textarea") {
            return;
        }
        if let Route::Lesson { lesson, step } = route.get_untracked() {
            let n = lessons::all()[lesson].doc.steps.len();
            let to = match ev.key().as_str() {
                "ArrowRight" if step + 1 < n => Some(step + 1),
                "ArrowLeft" if step > 0 => Some(step - 1),
                _ => None,
            };
            if let Some(s) = to {
                ev.prevent_default();
                browser::set_hash(&route::href(&Route::Lesson { lesson, step: s }));
            }
        }
    });

    Effect::new(move |_| match route.get() {
        r @ (Route::Lesson { lesson, step } | Route::Embed { lesson, step }) => {
            progress.mark(lesson, step, matches!(r, Route::Lesson { .. }));
            let l = &lessons::all()[lesson].doc;
            if let Some(d) = browser::window().document() {
                d.set_title(&format!("{} · {} · Genlab", l.steps[step].title, l.title));
            }
        }
        _ => {
            if let Some(d) = browser::window().document() {
                d.set_title("Genlab: generative models in your browser");
            }
        }
    });

    let embedded = move || matches!(route.get(), Route::Embed { .. });
    Effect::new(move |_| {
        if let Some(body) = browser::window().document().and_then(|d| d.body()) {
            let _ = body.class_list().toggle_with_force("embed", embedded());
        }
    });
    browser::on_body_resize(browser::post_height_to_parent);

    view! {
        {move || match route.get() {
            Route::Home => view! { <Header/><Home/> }.into_any(),
            Route::Lesson { lesson, step } => view! { <Header/><LessonPage lesson step/> }.into_any(),
            Route::Embed { lesson, step } => view! { <EmbedPage lesson step/> }.into_any(),
            Route::EmbedGuide => view! { <Header/><GuidePage/> }.into_any(),
            Route::NotFound(why) => view! { <Header/><NotFound why/> }.into_any(),
        }}
    }
}

#[component]
fn Header() -> impl IntoView {
    view! {
        <header class="top">
            <a class="brand" href="#/">"Genlab"</a>
            <span class="tagline">"generative models, in your browser"</span>
            <ComputeBadge/>
        </header>
    }
}

#[component]
fn Home() -> impl IntoView {
    let progress = expect_context::<ProgressStore>();
    let cards = lessons::all()
        .iter()
        .map(|l| {
            let total = l.doc.steps.len();
            let id = l.doc.id.clone();
            let n = l.index;
            let seen = Memo::new(move |_| {
                progress.0.with(|p| p.count(&id, lessons::all()[n].doc.steps.iter().map(|s| s.id.as_str())))
            });
            let seen = move || seen.get();
            let exercises = l.doc.exercise_ids().count();
            let id = l.doc.id.clone();
            let solved = move || {
                progress.0.with(|p| p.count_solved(&id, lessons::all()[n].doc.exercise_ids()))
            };
            let href = route::href(&Route::Lesson { lesson: l.index, step: 0 });
            view! {
                <li class="card" data-testid="lesson-card" data-lesson=l.doc.id.clone() data-steps=total.to_string()>
                    <a href=href>
                        <span class="num">{format!("Lesson {}", l.number)}</span>
                        <h2>{l.doc.title.clone()}</h2>
                        <p>{l.doc.summary.clone()}</p>
                        <div class="progress" aria-label=move || format!("{} of {total} steps seen", seen())>
                            <div class="bar" style=move || format!("width:{}%", 100 * seen() / total)></div>
                        </div>
                        <span class="progress-text">{move || format!("{} / {total} steps", seen())}</span>
                        {(exercises > 0).then(|| view! {
                            <span class="exercise-count" data-testid="exercises-solved">
                                {move || format!(" · {} / {exercises} exercises solved", solved())}
                            </span>
                        })}
                    </a>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <main class="home">
            <section class="intro">
                <h1>"Generative models, one lesson at a time"</h1>
                <p>
                    "From counting outfits to diffusion models. Every model here is trained and sampled by code
                    running in this tab, on one population, Avatar World, whose true distribution we know exactly,
                    so every model can be compared with the truth."
                </p>
                <super::progress::ContinueLink/>
                <p class="muted"><a href="#/embedding" data-testid="guide-link">"Embed a step in your own page"</a></p>
            </section>
            <ol class="cards">{cards}</ol>
            {super::split::from_chunk(
                progress_tools(),
                || ().into_any(),
                || view! { <p class="muted">"The progress tools could not be downloaded (are you offline?)."</p> }.into_any(),
            )}
        </main>
    }
}

#[component]
fn NotFound(why: String) -> impl IntoView {
    view! {
        <main class="not-found" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>{why}</p>
            <p><a href="#/">"Go to the course home"</a></p>
        </main>
    }
}

/// The prose and widgets of one step (the widgets alone without `prose`); a later
/// lesson's blocks are fetched first (once per visit).
#[component]
fn StepBody(lesson: usize, step: usize, #[prop(default = true)] prose: bool) -> impl IntoView {
    let l = &lessons::all()[lesson];
    let Some(file) = l.body else {
        return blocks(lesson, &l.doc.steps[step].blocks, prose).into_any();
    };
    let bodies: RwSignal<Option<Result<Arc<lessons::Bodies>, String>>> = RwSignal::new(None);
    let load = move || {
        if let Some(b) = BODIES.with(|c| c.borrow().get(&lesson).cloned()) {
            bodies.set(Some(Ok(b)));
            return;
        }
        leptos::task::spawn_local(async move {
            let url = format!("{}lessons/{file}", browser::base_url());
            let got = browser::fetch_bytes(&url).await.and_then(|bytes| {
                postcard::from_bytes::<lessons::Bodies>(&bytes)
                    .map_err(|e| format!("{url} is not this version's lesson ({e})"))
            });
            let got = got.map(|b| {
                let b = Arc::new(b);
                BODIES.with(|c| c.borrow_mut().insert(lesson, b.clone()));
                b
            });
            let _ = bodies.try_set(Some(got));
        });
    };
    load();
    (move || match bodies.get() {
        None => view! { <p class="loading">"Loading this step…"</p> }.into_any(),
        Some(Ok(b)) => match b.get(step) {
            Some(step_blocks) => blocks(lesson, step_blocks, prose).into_any(),
            None => view! { <p class="error">"This step is missing from the lesson's file."</p> }.into_any(),
        },
        Some(Err(why)) => view! {
            <p class="error" data-testid="step-failed">{format!("This step could not be loaded: {why}.")}</p>
            <button data-testid="step-retry" on:click=move |_| { bodies.set(None); load(); }>"Try again"</button>
        }
        .into_any(),
    })
    .into_any()
}

thread_local! {
    /// The later lessons' blocks fetched in this visit, by lesson.
    static BODIES: std::cell::RefCell<std::collections::HashMap<usize, Arc<lessons::Bodies>>> =
        Default::default();
}

/// The views of a step's blocks (prose left out without `prose`).
fn blocks(lesson: usize, blocks: &[Block], prose: bool) -> impl IntoView {
    blocks
        .iter()
        .filter(|b| prose || !matches!(b, Block::Html(_)))
        .map(|b| match b {
            Block::Html(h) => view! { <div class="prose" inner_html=h.clone()></div> }.into_any(),
            Block::Widget { name, args } => {
                view! { <Widget name=name.clone() args=args.clone()/> }.into_any()
            }
            Block::Exercise(e) => {
                view! { <super::exercise::ExerciseBox lesson exercise=e.clone()/> }.into_any()
            }
        })
        .collect::<Vec<_>>()
}

#[component]
fn LessonPage(lesson: usize, step: usize) -> impl IntoView {
    let l = &lessons::all()[lesson];
    let progress = expect_context::<ProgressStore>();
    let n = l.doc.steps.len();
    let href = move |s: usize| route::href(&Route::Lesson { lesson, step: s });
    let toc = l
        .doc
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (lid, sid) = (l.doc.id.clone(), s.id.clone());
            let seen = move || progress.0.with(|p| p.has(&lid, &sid));
            view! {
                <li class:current=i == step class:seen=seen>
                    <a href=href(i) aria-current=if i == step { Some("step") } else { None }>
                        {format!("{}. {}", i + 1, s.title)}
                    </a>
                </li>
            }
        })
        .collect::<Vec<_>>();
    let base = browser::base_url();
    let snippets = [
        (
            "Paste this into a web page:",
            "embed-code",
            route::element_snippet(&base, lesson, step),
        ),
        (
            "Or, without a script of ours, an iframe:",
            "embed-iframe",
            route::iframe_snippet(&base, lesson, step),
        ),
    ];
    let show_embed = RwSignal::new(false);
    view! {
        <main class="lesson" data-testid="lesson" data-lesson=l.doc.id.clone() data-step=l.doc.steps[step].id.clone()>
            <nav class="toc" aria-label="Steps of this lesson">
                <a href="#/" class="back">"← All lessons"</a>
                <p class="lesson-num">{format!("Lesson {}", l.number)}</p>
                <ol>{toc}</ol>
            </nav>
            <article class="step">
                <p class="crumb">{format!("Lesson {} · {}", l.number, l.doc.title)}</p>
                <h1 data-testid="step-title">{l.doc.steps[step].title.clone()}</h1>
                <StepBody lesson step/>
                <div class="step-nav">
                    {(step > 0).then(|| view! { <a class="button" data-testid="prev" href=href(step - 1)>"← Previous"</a> })}
                    <span class="step-count">{format!("Step {} of {n}", step + 1)}</span>
                    {(step + 1 < n).then(|| view! { <a class="button primary" data-testid="next" href=href(step + 1)>"Next →"</a> })}
                    {(step + 1 == n && lesson + 1 < lessons::all().len()).then(|| view! {
                        <a class="button primary" data-testid="next" href=route::href(&Route::Lesson { lesson: lesson + 1, step: 0 })>"Next lesson →"</a>
                    })}
                </div>
                <StateNote/>
                <div class="embed-tools">
                    <StateLink lesson step/>
                    <super::figures::FigureTools/>
                    <button class="small" data-testid="embed-toggle" on:click=move |_| show_embed.update(|v| *v = !*v)>
                        "Embed this step"
                    </button>
                    <Show when=move || show_embed.get()>
                        {snippets.clone().map(|(label, id, code)| super::embedding::snippet_box(label, id, code))}
                        <p class="muted"><a href="#/embedding">"Every step, with embed options"</a></p>
                    </Show>
                </div>
            </article>
        </main>
    }
}

/// "Copy link to this state": the step's address with its controls' current values.
#[component]
fn StateLink(lesson: usize, step: usize) -> impl IntoView {
    let controls = expect_context::<super::kit::state::ControlState>();
    let shown = RwSignal::new(false);
    let link = move || {
        let href = route::state_href(&Route::Lesson { lesson, step }, &controls.pairs());
        format!("{}{href}", browser::base_url())
    };
    move || {
        (!controls.values.with(|v| v.is_empty())).then(|| {
            view! {
                <button class="small" data-testid="state-copy" on:click=move |_| {
                    browser::copy_text(&link());
                    shown.set(true);
                }>"Copy link to this state"</button>
                <Show when=move || shown.get()>
                    <input class="state-link" readonly data-testid="state-link" aria-label="Link to this step with its controls as they are" prop:value=link/>
                </Show>
            }
        })
    }
}

/// A quiet note about control values in the address that were not used.
#[component]
fn StateNote() -> impl IntoView {
    let controls = expect_context::<super::kit::state::ControlState>();
    move || {
        let notes: Vec<String> = controls.notes.get().into_values().collect();
        (!notes.is_empty()).then(|| {
            view! {
                <p class="muted small" data-testid="state-note">
                    {format!("From the address: {}.", notes.join("; "))}
                </p>
            }
        })
    }
}

#[component]
fn EmbedPage(lesson: usize, step: usize) -> impl IntoView {
    let l = &lessons::all()[lesson];
    let full = route::href(&Route::Lesson { lesson, step });
    let options = route::embed_options(&browser::hash());
    browser::set_theme(options.theme);
    on_cleanup(|| browser::set_theme(None));
    let prose = options.prose;
    let note = (!options.ignored.is_empty()).then(|| {
        format!(
            "Left at their defaults (not understood in the address): {}.",
            options.ignored.join(", ")
        )
    });
    view! {
        <main class="embedded" data-testid="embed" data-lesson=l.doc.id.clone() data-step=l.doc.steps[step].id.clone()>
            <h2 class="embed-title">{l.doc.steps[step].title.clone()}</h2>
            {note.map(|n| view! { <p class="muted small" data-testid="embed-note">{n}</p> })}
            <StepBody lesson step prose/>
            <StateNote/>
            <p class="embed-footer">
                <a href=format!("{}{}", browser::base_url(), full) target="_blank" rel="noopener">
                    {format!("Genlab · Lesson {}: {}", l.number, l.doc.title)}
                </a>
            </p>
        </main>
    }
}

// The embedding guide, in a chunk of its own in the site's build (few readers open it).
later_fn!(
    guide,
    fn guide() -> fn() -> AnyView {
        || super::embedding::EmbedGuide().into_any()
    }
);

/// `#/embedding`, once its chunk is in (or why it is not).
#[component]
fn GuidePage() -> impl IntoView {
    super::split::from_chunk(
        guide(),
        || {
            view! { <main class="guide"><p class="muted">"Loading the embedding guide…"</p></main> }
                .into_any()
        },
        || {
            view! {
            <main class="guide"><p class="error" role="alert">"The embedding guide could not be downloaded (are you offline?)."</p></main>
        }
        .into_any()
        },
    )
}

// The progress tools (export, import, reset) of the home page, in a chunk of their own.
later_fn!(
    progress_tools,
    fn progress_tools() -> fn() -> AnyView {
        || super::progress::ProgressTools().into_any()
    }
);
