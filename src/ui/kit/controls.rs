//! The lessons' controls: a labelled slider, a row of buttons choosing one value (the
//! toggle), and the pointer's position on a drawing.

use crate::data::avatar::FEATURES;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Pointer position in the SVG's user units, for an SVG that fills its host's width.
pub fn svg_point(ev: &web_sys::MouseEvent, svg_width: f64) -> Option<(f64, f64)> {
    let el: web_sys::Element = ev.current_target()?.dyn_into().ok()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 {
        return None;
    }
    let k = svg_width / r.width();
    Some((
        (ev.client_x() as f64 - r.left()) * k,
        (ev.client_y() as f64 - r.top()) * k,
    ))
}

/// A labelled row of buttons choosing one value: each option is (value, text, test id;
/// "" for none). The chosen button is marked `selected` and `aria-pressed`.
#[component]
pub fn Choice<T>(
    label: &'static str,
    options: Vec<(T, &'static str, &'static str)>,
    value: RwSignal<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let buttons = options
        .into_iter()
        .map(|(v, text, testid)| {
            let chosen = move || value.get() == v;
            view! {
                <button class:selected=chosen aria-pressed=move || chosen().to_string()
                    data-testid=(!testid.is_empty()).then_some(testid)
                    on:click=move |_| value.set(v)>{text}</button>
            }
        })
        .collect_view();
    view! { <div class="controls"><span>{label}</span>{buttons}</div> }
}

/// One button per feature of Avatar World.
pub fn feature_choice(label: &'static str, feature: RwSignal<usize>) -> impl IntoView {
    let options = (0..5).map(|f| (f, FEATURES[f].name, "")).collect();
    view! { <Choice label options value=feature/> }
}

/// A numeric slider with a visible label and value.
#[component]
pub fn Slider(
    label: &'static str,
    min: f64,
    max: f64,
    step: f64,
    value: RwSignal<f64>,
    #[prop(optional)] testid: &'static str,
    #[prop(optional, into)] show: Option<Callback<f64, String>>,
    /// Called from the input handler after `value` is set.
    #[prop(optional, into)]
    on_change: Option<Callback<f64>>,
) -> impl IntoView {
    let text = move || match show {
        Some(f) => f.run(value.get()),
        None => crate::plot::fmt_num(value.get()),
    };
    // A slider with a test id travels in the step's address (`?s.<test id>=<value>`).
    if !testid.is_empty() {
        super::state::share(
            testid,
            move || value.get().to_string(),
            move |text| {
                let v = crate::lessons::route::slider_value(text, min, max, step)?;
                value.set(v);
                if let Some(f) = on_change {
                    f.run(v);
                }
                Ok(())
            },
        );
    }
    view! {
        <label class="slider">
            <span>{label}</span>
            <input
                type="range"
                min=min
                max=max
                step=step
                data-testid=testid
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        value.set(v);
                        if let Some(f) = on_change {
                            f.run(v);
                        }
                    }
                }
            />
            <output>{text}</output>
        </label>
    }
}
