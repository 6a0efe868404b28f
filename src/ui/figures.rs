//! "Save a figure" under a step: the step's plots as SVG or PNG, and its picture grids as
//! PNG, drawn from what the page shows at that moment (so a figure trained or dragged by
//! the reader is saved as it is). Plots use `currentColor`; a saved one is drawn dark on
//! white, whatever the page's theme. The drawing and saving (canvas, XML serialiser)
//! are a chunk of their own in the site's build, downloaded at the first save.

use super::browser;
use super::split::later_fn;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlImageElement};

/// PNG pixels per SVG unit (sharp on high-density screens and in print).
const PNG_SCALE: f64 = 2.0;
/// Where a step's figures are.
const FIGURES: &str = "article.step .plot-host svg, article.step .sample-grid";

/// A figure on the page: its place in the query's order, its kind and its title.
#[derive(Clone)]
pub struct Found {
    index: usize,
    grid: bool,
    title: String,
}

fn figures() -> Vec<Element> {
    let Some(doc) = browser::window().document() else {
        return Vec::new();
    };
    let Ok(list) = doc.query_selector_all(FIGURES) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn found() -> Vec<Found> {
    figures()
        .iter()
        .enumerate()
        .map(|(index, e)| {
            let grid = e.class_list().contains("sample-grid");
            let title = if grid {
                // A grid's own title is short ("sample"): the step's title says which.
                let step = browser::window()
                    .document()
                    .and_then(|d| d.query_selector("[data-testid=step-title]").ok().flatten())
                    .and_then(|t| t.text_content());
                e.get_attribute("data-title").map(|t| match step {
                    Some(s) => format!("{s}: {t}"),
                    None => t,
                })
            } else {
                e.query_selector("title")
                    .ok()
                    .flatten()
                    .and_then(|t| t.text_content())
            };
            Found {
                index,
                grid,
                title: title
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| format!("Figure {}", index + 1)),
            }
        })
        .collect()
}

/// A file name from a title: "The autoencoder's 2-D latent space" → "the-autoencoder-s-2-d-latent-space".
fn file_stem(title: &str) -> String {
    let s = crate::lessons::doc::slug(title);
    if s.is_empty() {
        "figure".into()
    } else {
        s
    }
}

/// The plot as a standalone SVG document, dark on white.
fn svg_text(svg: &Element) -> Result<String, JsValue> {
    let copy: Element = svg.clone_node_with_deep(true)?.dyn_into()?;
    copy.set_attribute("style", "color:#1d1d1f;background:#ffffff")?;
    let (w, h) = view_box(svg);
    copy.set_attribute("width", &format!("{w}"))?;
    copy.set_attribute("height", &format!("{h}"))?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        web_sys::XmlSerializer::new()?.serialize_to_string(&copy)?
    ))
}

fn view_box(svg: &Element) -> (f64, f64) {
    let vb = svg.get_attribute("viewBox").unwrap_or_default();
    let v: Vec<f64> = vb
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    match v.as_slice() {
        [_, _, w, h] if *w > 0.0 && *h > 0.0 => (*w, *h),
        _ => (640.0, 400.0),
    }
}

fn canvas(w: f64, h: f64) -> Result<(HtmlCanvasElement, CanvasRenderingContext2d), JsValue> {
    let doc = browser::window().document().ok_or("no document")?;
    let c: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
    c.set_width(w.round() as u32);
    c.set_height(h.round() as u32);
    let ctx: CanvasRenderingContext2d = c.get_context("2d")?.ok_or("no 2-D context")?.dyn_into()?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    Ok((c, ctx))
}

async fn loaded(src: &str) -> Result<HtmlImageElement, JsValue> {
    let img = HtmlImageElement::new()?;
    img.set_src(src);
    wasm_bindgen_futures::JsFuture::from(img.decode()).await?;
    Ok(img)
}

/// The plot drawn on a white canvas, as a PNG data URL.
async fn svg_png(svg: &Element) -> Result<String, JsValue> {
    let text = svg_text(svg)?;
    let url = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&text))
    );
    let img = loaded(&url).await?;
    let (w, h) = view_box(svg);
    let (c, ctx) = canvas(w * PNG_SCALE, h * PNG_SCALE)?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(
        &img,
        0.0,
        0.0,
        w * PNG_SCALE,
        h * PNG_SCALE,
    )?;
    c.to_data_url_with_type("image/png")
}

/// The grid's pictures at their own resolution × [`PNG_SCALE`]… as shown: in rows of the
/// grid's columns, 2 px apart, as a PNG data URL.
async fn grid_png(grid: &Element) -> Result<String, JsValue> {
    let cols: usize = grid
        .get_attribute("data-columns")
        .and_then(|c| c.parse().ok())
        .unwrap_or(8)
        .max(1);
    let list = grid.query_selector_all("img")?;
    let mut imgs = Vec::new();
    for i in 0..list.length() {
        if let Some(src) = list
            .item(i)
            .and_then(|n| n.dyn_into::<HtmlImageElement>().ok())
            .map(|i| i.src())
        {
            imgs.push(loaded(&src).await?);
        }
    }
    let side = imgs.first().map_or(32, |i| i.natural_width().max(1)) as f64 * 4.0;
    let rows = imgs.len().div_ceil(cols).max(1);
    let gap = 4.0;
    let w = cols.min(imgs.len().max(1)) as f64 * (side + gap) - gap;
    let h = rows as f64 * (side + gap) - gap;
    let (c, ctx) = canvas(w, h)?;
    ctx.set_image_smoothing_enabled(false);
    for (i, img) in imgs.iter().enumerate() {
        let (x, y) = (
            (i % cols) as f64 * (side + gap),
            (i / cols) as f64 * (side + gap),
        );
        ctx.draw_image_with_html_image_element_and_dw_and_dh(img, x, y, side, side)?;
    }
    c.to_data_url_with_type("image/png")
}

/// Saves figure `f` (`png`: as a picture) under its title's name; what happened, in words.
async fn save(f: Found, png: bool) -> Result<String, String> {
    let Some(e) = figures().into_iter().nth(f.index) else {
        return Err("That figure is no longer on the page.".into());
    };
    let stem = file_stem(&f.title);
    let failed = |what: &'static str| move |_| format!("This browser could not {what}.");
    if png {
        let url = if f.grid {
            grid_png(&e).await
        } else {
            svg_png(&e).await
        }
        .map_err(failed("draw the figure"))?;
        browser::download_url(&format!("{stem}.png"), &url).map_err(failed("save the file"))?;
        Ok(format!("Saved {stem}.png."))
    } else {
        let text = svg_text(&e).map_err(failed("copy the figure"))?;
        browser::download(&format!("{stem}.svg"), "image/svg+xml", &text)
            .map_err(failed("save the file"))?;
        Ok(format!("Saved {stem}.svg."))
    }
}

/// A save under way, its outcome in words.
type Saving = std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>;

// Starts [`save`], after downloading its chunk in the site's build.
later_fn!(
    figures,
    fn start_save(f: Found, png: bool) -> Saving {
        Box::pin(save(f, png))
    }
);

/// The button that lists the step's figures, each with its formats.
#[component]
pub fn FigureTools() -> impl IntoView {
    let open = RwSignal::new(false);
    let list = RwSignal::new(Vec::<Found>::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let toggle = move |_| {
        let now = !open.get_untracked();
        if now {
            list.set(found());
            message.set(None);
        }
        open.set(now);
    };
    let save_as = move |f: Found, png: bool| {
        leptos::task::spawn_local(async move {
            let r = match start_save(f, png).await {
                Ok(saving) => saving.await,
                Err(_) => Err(
                    "The tools that save figures could not be downloaded (are you offline?)."
                        .into(),
                ),
            };
            let _ = message.try_set(Some(r));
        });
    };
    view! {
        <button class="small" data-testid="figures-toggle" aria-expanded=move || open.get().to_string() on:click=toggle>
            "Save a figure"
        </button>
        <Show when=move || open.get()>
            <ul class="figure-list" data-testid="figure-list">
                {move || {
                    let items = list.get();
                    if items.is_empty() {
                        return view! { <li class="muted">"This step has no figures yet."</li> }.into_any();
                    }
                    items
                        .into_iter()
                        .map(|f| {
                            let (f1, f2) = (f.clone(), f.clone());
                            view! {
                                <li data-testid="figure-item">
                                    <span>{f.title.clone()}</span>
                                    {(!f.grid).then(|| view! {
                                        <button class="small" data-testid="figure-svg" on:click=move |_| save_as(f1.clone(), false)>"SVG"</button>
                                    })}
                                    <button class="small" data-testid="figure-png" on:click=move |_| save_as(f2.clone(), true)>"PNG"</button>
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="muted small" role="status" data-testid="figure-message">{t}</p> }.into_any(),
                Err(e) => view! { <p class="error small" role="alert" data-testid="figure-message">{e}</p> }.into_any(),
            })}
        </Show>
    }
}
