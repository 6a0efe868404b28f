//! The lessons' controls: a labelled slider, a row of buttons choosing one value (the
//! toggle), and the pointer's position on a drawing.

use crate::data::avatar::FEATURES;
use crate::lessons::route;
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
/// "" for none). The chosen button is marked `selected` and `aria-pressed`. A choice with
/// a `testid` travels in the step's address, its option by [`route::choice_key`].
#[component]
pub fn Choice<T>(
    label: &'static str,
    options: Vec<(T, &'static str, &'static str)>,
    value: RwSignal<T>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    share_options(testid, options.iter().map(|o| (o.0, o.1)).collect(), value);
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

/// Shares a choice among `options` (value, name) under `testid` (none when empty): the
/// address names the option by [`route::choice_key`] of its name.
fn share_options<T>(testid: &'static str, options: Vec<(T, &'static str)>, value: RwSignal<T>)
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    if testid.is_empty() {
        return;
    }
    let names: Vec<&'static str> = options.iter().map(|o| o.1).collect();
    let picks: Vec<T> = options.iter().map(|o| o.0).collect();
    super::state::share(
        testid,
        move || {
            let v = value.get();
            options
                .iter()
                .find(|o| o.0 == v)
                .map_or_else(String::new, |o| route::choice_key(o.1))
        },
        move |text| {
            value.set(picks[route::choice_value(text, &names)?]);
            Ok(())
        },
    );
}

/// A labelled drop-down choosing one value: each option is (value, text, key), the key
/// being the option's value attribute and its name in the step's address (with a
/// `testid`, the choice travels there as [`Choice`]'s does).
#[component]
pub fn Select<T>(
    label: &'static str,
    options: Vec<(T, &'static str, &'static str)>,
    value: RwSignal<T>,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    share_options(testid, options.iter().map(|o| (o.0, o.2)).collect(), value);
    let keyed: Vec<(T, &'static str)> = options.iter().map(|o| (o.0, o.2)).collect();
    let key_of = move || {
        let v = value.get();
        keyed.iter().find(|o| o.0 == v).map_or("", |o| o.1)
    };
    let picks: Vec<(T, &'static str)> = options.iter().map(|o| (o.0, o.2)).collect();
    let items = options
        .into_iter()
        .map(|(_, text, key)| view! { <option value=key>{text}</option> })
        .collect_view();
    view! {
        <label class="select">
            <span>{label}</span>
            <select data-testid=(!testid.is_empty()).then_some(testid) prop:value=key_of
                on:change=move |ev| {
                    let k = event_target_value(&ev);
                    if let Some(o) = picks.iter().find(|o| o.1 == k) {
                        value.set(o.0);
                    }
                }>
                {items}
            </select>
        </label>
    }
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
