//! Lesson 3: the avatars as 32×32 pixels, naive Bayes on every channel of every pixel,
//! and the correlations between pixels that such a model throws away.

use super::{publish, Widgets};
use crate::data::draw::{rasterise, to_grey, SIZE};
use crate::data::{Avatar, PData, Rng};
use crate::models::pixel::{correlation_with, PixelModel};
use crate::plot::{fmt_num, image_grid, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::Slider;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("pixel-data", || PixelData().into_any()),
    ("pixel-model", || PixelModelWidget().into_any()),
    ("pixel-correlation", || PixelCorrelation().into_any()),
];

const DATA_SEED: u64 = 33;
const HELD_OUT_SEED: u64 = 34;
/// Pseudo-count per level: a pinch, so no value is impossible but the counts dominate.
const ALPHA: f64 = 0.01;

thread_local! {
    static RASTER_CACHE: RefCell<HashMap<usize, Arc<Vec<u8>>>> = RefCell::new(HashMap::new());
}

/// Rasterises each of the 4032 possible people at most once per page.
fn image(a: &Avatar) -> Arc<Vec<u8>> {
    RASTER_CACHE.with(|c| {
        c.borrow_mut()
            .entry(a.index())
            .or_insert_with(|| Arc::new(rasterise(a)))
            .clone()
    })
}

fn images(n: usize, seed: u64) -> Vec<Vec<u8>> {
    PData::default()
        .sample_n(n, seed)
        .iter()
        .map(|a| (*image(a)).clone())
        .collect()
}

#[component]
pub fn PixelData() -> impl IntoView {
    let imgs = images(10, DATA_SEED);
    let grid = image_grid(
        &imgs,
        SIZE,
        10,
        64.0,
        "Ten Avatar World people as 32 × 32 pixel images",
    );
    let row = 12;
    let table_rows = imgs
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, img)| {
            let g = to_grey(img);
            let cells = (0..10)
                .map(|c| view! { <td class="num">{g[row * SIZE + c + 6]}</td> })
                .collect::<Vec<_>>();
            view! { <tr><th>{format!("image {}", i + 1)}</th>{cells}</tr> }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="plot-host" data-testid="pixel-images" inner_html=grid></div>
        <table class="data" tabindex="0" data-testid="pixel-values">
            <caption class="muted">{format!("Brightness (0 = black, 255 = white) of ten pixels in row {row}, columns 6 to 15, of the first five images.")}</caption>
            <thead><tr><th><span class="visually-hidden">"image"</span></th>{(6..16).map(|c| view! { <th class="num">{format!("x{c}")}</th> }).collect::<Vec<_>>()}</tr></thead>
            <tbody>{table_rows}</tbody>
        </table>
    }
}

/// A fitted model, compared by identity: each refit is a new value, and comparing the
/// 786 432 counts of two fits to decide that would be wasted work.
#[derive(Clone)]
struct Fitted(Arc<PixelModel>);

impl PartialEq for Fitted {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[component]
pub fn PixelModelWidget() -> impl IntoView {
    let n = RwSignal::new(200.0);
    let draw = RwSignal::new(0u64);
    let model = Memo::new(move |_| {
        let imgs = images(n.get() as usize, DATA_SEED);
        let m = PixelModel::fit(&imgs, ALPHA);
        (m.mean_image(), m.n, Fitted(Arc::new(m)))
    });
    let samples = Memo::new(move |_| {
        let (_, _, Fitted(m)) = model.get();
        let mut rng = Rng::new(0x5A + draw.get());
        (0..10).map(|_| m.sample(&mut rng)).collect::<Vec<_>>()
    });
    let held_out = images(20, HELD_OUT_SEED);
    let view_all = move || {
        let (mean, fitted_on, Fitted(m)) = model.get();
        let s = samples.get();
        let bits =
            |img: &Vec<u8>| -m.log_likelihood(img) / (img.len() as f64 * std::f64::consts::LN_2);
        let real = held_out.iter().map(bits).sum::<f64>() / held_out.len() as f64;
        let fake = s.iter().map(bits).sum::<f64>() / s.len() as f64;
        view! {
            <div class="image-row">
                <figure>
                    <div inner_html=image_grid(&[mean], SIZE, 1, 128.0, "The model's mean image")></div>
                    <figcaption>{format!("mean of the model (N = {fitted_on})")}</figcaption>
                </figure>
                <figure>
                    <div data-testid="pixel-samples" inner_html=image_grid(&s, SIZE, 5, 64.0, "Ten samples from the per-pixel model: coloured noise")></div>
                    <figcaption>"ten samples, every number drawn on its own"</figcaption>
                </figure>
            </div>
            <p class="readout" data-testid="pixel-likelihood">{format!(
                "The model has {} free parameters (255 per number). Scored by the model itself, describing an image costs {} bits per number for 20 real people it never saw and {} bits per number for its own noise samples: {}",
                fmt_num(m.free_parameters() as f64), fmt_num(real), fmt_num(fake),
                if fake <= real { "by its own measure, its noise is at least as likely as a real person." } else { "it prefers real people, yet what it draws is noise." }
            )}</p>
        }
    };
    view! {
        <Slider label="images to fit on" min=10.0 max=400.0 step=10.0 value=n testid="pixel-n"/>
        <div class="controls">
            <button class="primary" data-testid="pixel-resample" on:click=move |_| draw.update(|d| *d += 1)>"Sample 10 more"</button>
        </div>
        {view_all}
    }
}

#[component]
pub fn PixelCorrelation() -> impl IntoView {
    let grey: Arc<Vec<Vec<u8>>> =
        Arc::new(images(300, DATA_SEED).iter().map(|i| to_grey(i)).collect());
    let pick = RwSignal::new((26usize, 16usize)); // (row, column): the chest
    let frame = || {
        Figure::new(
            Scale::Linear {
                lo: 0.0,
                hi: SIZE as f64,
            },
            Scale::Linear {
                lo: SIZE as f64,
                hi: 0.0,
            },
        )
        .size(420.0, 420.0)
        .labels("column", "row")
    };
    let g2 = grey.clone();
    let corr = Memo::new(move |_| {
        let (r, c) = pick.get();
        correlation_with(&g2, r * SIZE + c)
    });
    let svg = move || {
        let (r, c) = pick.get();
        let v = corr.get();
        frame()
            .title(&format!("Correlation with pixel ({r}, {c})"))
            .describe(format!("Heat map of the correlation of every pixel's brightness with pixel row {r}, column {c}, over 300 people; red is positive, blue negative."))
            .layer(Layer::Heatmap { values: v, cols: SIZE, rows: SIZE, lo: -1.0, hi: 1.0, map: ColourMap::Diverging })
            .layer(Layer::Scatter { pts: vec![(c as f64 + 0.5, r as f64 + 0.5)], colour: PALETTE[4].into(), radius: 5.0, label: Some("chosen pixel".into()) })
            .to_svg()
    };
    let click = move |ev: web_sys::MouseEvent| {
        if let Some((px, py)) = crate::ui::kit::svg_point(&ev, 420.0) {
            let (x, y) = frame().to_data(px, py);
            if (0.0..SIZE as f64).contains(&x) && (0.0..SIZE as f64).contains(&y) {
                pick.set((y as usize, x as usize));
            }
        }
    };
    let key = move |ev: web_sys::KeyboardEvent| {
        let (r, c) = pick.get_untracked();
        let to = match ev.key().as_str() {
            "ArrowLeft" => (r, c.saturating_sub(1)),
            "ArrowRight" => (r, (c + 1).min(SIZE - 1)),
            "ArrowUp" => (r.saturating_sub(1), c),
            "ArrowDown" => ((r + 1).min(SIZE - 1), c),
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        pick.set(to);
    };
    // The chosen pixel's mean correlation with its 8 neighbours, and mean strength |r| with
    // the pixels more than 8 away.
    let near_far = Memo::new(move |_| {
        let (r, c) = pick.get();
        let v = corr.get();
        let mut near = Vec::new();
        let mut far = Vec::new();
        for rr in 0..SIZE {
            for cc in 0..SIZE {
                let d = (rr as i64 - r as i64)
                    .abs()
                    .max((cc as i64 - c as i64).abs());
                if d == 1 {
                    near.push(v[rr * SIZE + cc]);
                } else if d > 8 {
                    far.push(v[rr * SIZE + cc].abs());
                }
            }
        }
        let mean = |x: &[f64]| {
            if x.is_empty() {
                0.0
            } else {
                x.iter().sum::<f64>() / x.len() as f64
            }
        };
        (mean(&near), mean(&far))
    });
    Effect::new(move |_| {
        let (near, far) = near_far.get();
        publish("pixels.near", near);
        publish("pixels.far", far);
    });
    let summary = move || {
        let (r, c) = pick.get();
        let (near, far) = near_far.get();
        format!(
            "Pixel ({r}, {c}): its 8 neighbours have an average correlation of {} with it; pixels more than 8 away, an average strength |r| of {}. The per-pixel model assumes every one of these is 0.",
            fmt_num(near), fmt_num(far)
        )
    };
    view! {
        <div class="plot-host clickable" data-testid="correlation-plot" tabindex="0"
            aria-label="Pixel correlation map. Click a pixel, or use the arrow keys, to choose the reference pixel."
            on:click=click on:keydown=key inner_html=svg style="max-width:460px"></div>
        <p class="readout" data-testid="correlation-readout">{summary}</p>
    }
}
