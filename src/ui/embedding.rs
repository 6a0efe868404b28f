//! Embedding Genlab elsewhere: the snippet boxes (with a copy button) that the lesson page
//! and the guide show, and the guide itself (`#/embedding`): how to embed, the options,
//! and every step of every lesson with its two snippets and a preview on demand.

use super::browser;
use crate::lessons::{self, route};
use leptos::prelude::*;

/// A snippet to copy: its label, the code in a read-only box, and a copy button.
pub fn snippet_box(label: &'static str, testid: &'static str, code: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let for_copy = code.clone();
    view! {
        <div class="snippet">
            <label class="embed-code">
                {label}
                <textarea readonly rows="3" data-testid=testid>{code}</textarea>
            </label>
            <button class="small" data-testid=format!("copy-{testid}") on:click=move |_| copied.set(browser::copy_text(&for_copy))>
                {move || if copied.get() { "Copied" } else { "Copy" }}
            </button>
        </div>
    }
}

/// One step in the guide: its snippets, and its live preview once asked for (every step
/// of the course at once would start a copy of the page per step).
#[component]
fn GuideStep(lesson: usize, step: usize) -> impl IntoView {
    let base = browser::base_url();
    let s = &lessons::all()[lesson].doc.steps[step];
    let preview = RwSignal::new(false);
    let src = format!(
        "{base}{}",
        route::href(&route::Route::Embed { lesson, step })
    );
    view! {
        <li class="guide-step" data-testid="guide-step">
            <h3>{s.title.clone()}</h3>
            {snippet_box("Custom element:", "guide-element", route::element_snippet(&base, lesson, step))}
            {snippet_box("Iframe:", "guide-iframe", route::iframe_snippet(&base, lesson, step))}
            <button class="small" data-testid="guide-preview" on:click=move |_| preview.update(|p| *p = !*p)>
                {move || if preview.get() { "Hide the preview" } else { "Preview" }}
            </button>
            <Show when=move || preview.get()>
                <iframe data-genlab class="preview" src=src.clone() title=format!("Preview: {}", s.title) height="480"></iframe>
            </Show>
        </li>
    }
}

/// `#/embedding`: how to embed a step, its options, and every step with its snippets.
#[component]
pub fn EmbedGuide() -> impl IntoView {
    // Previews are sized from their height messages, as the snippets do.
    let origin = browser::window().location().origin().unwrap_or_default();
    let _ = window_event_listener(leptos::ev::message, move |e| {
        if e.origin() != origin {
            return;
        }
        let height = js_sys::Reflect::get(&e.data(), &"height".into())
            .ok()
            .and_then(|h| h.as_f64());
        let (Some(h), Some(doc)) = (height, browser::window().document()) else {
            return;
        };
        let Ok(frames) = doc.query_selector_all("iframe[data-genlab]") else {
            return;
        };
        for i in 0..frames.length() {
            let Some(f) = frames.item(i) else { continue };
            let window = js_sys::Reflect::get(&f, &"contentWindow".into()).ok();
            let same = window
                .zip(e.source())
                .is_some_and(|(w, s)| js_sys::Object::is(&w, &s));
            if let (true, Ok(el)) = (same, wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(f)) {
                let _ = el.set_attribute("style", &format!("height:{}px", h.ceil()));
            }
        }
    });
    let lessons_list = lessons::all()
        .iter()
        .map(|l| {
            let steps = (0..l.doc.steps.len())
                .map(|s| view! { <GuideStep lesson=l.index step=s/> })
                .collect_view();
            view! {
                <section class="guide-lesson">
                    <h2>{format!("Lesson {}: {}", l.number, l.doc.title)}</h2>
                    <ol>{steps}</ol>
                </section>
            }
        })
        .collect_view();
    view! {
        <main class="guide" data-testid="embed-guide">
            <h1>"Embed Genlab"</h1>
            <p>
                "Any step of any lesson can live in your own page, working as it does here: its widgets train and
                sample in your reader's browser. Add the script once, then one element per step; the step's frame
                takes the height it needs and links back to the whole lesson."
            </p>
            <p>
                "Options, as attributes of the element (or after the embed address, as "
                <code>"?theme=dark&prose=hidden"</code>"): "<code>"theme=\"dark\""</code>" or "
                <code>"theme=\"light\""</code>" (default: as the reader's system asks), and "
                <code>"prose=\"hidden\""</code>" for the widgets alone. A value not understood leaves the default, with a
                quiet note in the frame."
            </p>
            {lessons_list}
        </main>
    }
}
