//! Lesson 4: the jars, a linear latent space (PCA), and an autoencoder with a 2-D latent
//! space trained in the tab; both with a pad that decodes a jar wherever the reader points.

use super::Widgets;
use crate::data::jars::{self, Jar, SIDE};
use crate::models::pca::Pca;
use crate::models::zoo::jar_training_set;
use crate::plot::{fmt_num, fmt_pct, ColourMap, Figure, Layer, Scale};
use crate::ui::kit::{image, image_row, svg_point, Choice, TrainPanel};
use crate::ui::run_kit::async_memo;
use crate::ui::training;
use leptos::prelude::*;
use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("jar-data", || JarData().into_any()),
    ("jar-pca", || JarPca().into_any()),
    ("jar-autoencoder", || JarAutoencoder().into_any()),
];

const PAD: f64 = 360.0;
/// How many training jars the maps show (and PCA is fitted to).
const SHOWN: usize = 400;

thread_local! {
    static PCA: OnceCell<Pca> = const { OnceCell::new() };
}

fn pca() -> Pca {
    PCA.with(|c| {
        c.get_or_init(|| {
            let rows: Vec<Vec<f32>> = jar_training_set()[..SHOWN]
                .iter()
                .map(|j| j.1.clone())
                .collect();
            Pca::fit(&rows, 2)
        })
        .clone()
    })
}

/// Points grouped for colouring: (label, colour, points).
pub type Groups = Vec<(String, String, Vec<(f64, f64)>)>;

/// Jars' latent points grouped into five bins of height or width.
fn by_factor(points: &[(f64, f64)], jars: &[Jar], use_height: bool) -> Groups {
    let (name, (lo, hi)): (&str, _) = if use_height {
        ("height", jars::HEIGHT)
    } else {
        ("width", jars::WIDTH)
    };
    let bins = 5;
    (0..bins)
        .map(|b| {
            let a = lo + (hi - lo) * b as f64 / bins as f64;
            let z = lo + (hi - lo) * (b + 1) as f64 / bins as f64;
            let pts = points
                .iter()
                .zip(jars)
                .filter(|(_, j)| {
                    let v = if use_height { j.height } else { j.width };
                    v >= a && (v < z || b == bins - 1)
                })
                .map(|(p, _)| *p)
                .collect();
            (
                format!("{} {:.0}–{:.0}", &name[..1], a, z),
                ColourMap::Blues.colour(0.25 + 0.75 * b as f64 / (bins - 1) as f64),
                pts,
            )
        })
        .collect()
}

/// Decodes a latent point to RGB pixels, now or later (the engine answers); `None` when no
/// model is ready. Asked for again whenever the signals it reads change.
pub type Decoder =
    Arc<dyn Fn((f64, f64)) -> Pin<Box<dyn Future<Output = Option<Vec<u8>>>>> + Send + Sync>;

/// A 2-D latent map the reader can point into: coloured points, a marker, and the
/// decoded image beside it with how long decoding took.
#[component]
pub fn LatentPad(
    #[prop(into)] groups: Signal<Groups>,
    /// Decodes a latent point to RGB pixels.
    decode: Decoder,
    side: usize,
    #[prop(into)] title: String,
    x_label: &'static str,
    y_label: &'static str,
    testid: &'static str,
) -> impl IntoView {
    let at = RwSignal::new(None::<(f64, f64)>);
    let extent = Memo::new(move |_| {
        let g = groups.get();
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (_, _, pts) in &g {
            for p in pts {
                x0 = x0.min(p.0);
                x1 = x1.max(p.0);
                y0 = y0.min(p.1);
                y1 = y1.max(p.1);
            }
        }
        if x0 >= x1 || y0 >= y1 || !x0.is_finite() {
            return (-3.0, 3.0, -3.0, 3.0);
        }
        let (mx, my) = (0.15 * (x1 - x0), 0.15 * (y1 - y0));
        (x0 - mx, x1 + mx, y0 - my, y1 + my)
    });
    let frame = move || {
        let (x0, x1, y0, y1) = extent.get();
        Figure::new(
            Scale::Linear { lo: x0, hi: x1 },
            Scale::Linear { lo: y0, hi: y1 },
        )
        .size(PAD, PAD)
        .labels(x_label, y_label)
    };
    let title2 = title.clone();
    let svg = move || {
        let mut f = frame().title(&title2).describe(
            "Training images placed at their latent codes, coloured by a known factor. Point anywhere to decode that code into an image.",
        );
        for (label, colour, pts) in groups.get() {
            f.push(Layer::Scatter {
                pts,
                colour,
                radius: 2.5,
                label: Some(label),
            });
        }
        if let Some(p) = at.get() {
            f.push(Layer::Text {
                at: p,
                text: "✚".into(),
            });
        }
        f.to_svg()
    };
    let point = move |ev: &web_sys::MouseEvent| {
        if let Some((x, y)) = svg_point(ev, PAD) {
            at.set(Some(frame().to_data(x, y)));
        }
    };
    // Decoded wherever the reader points (and again when the weights change); the time is
    // the whole round trip.
    let decoded = async_memo(move || {
        let p = at.get();
        let t0 = crate::ui::browser::now_ms();
        let img = p.map(|p| decode(p));
        async move {
            let img = img?.await?;
            Some((img, crate::ui::browser::now_ms() - t0, p?))
        }
    });
    view! {
        <div class="pad-row">
            <div class="plot-host clickable pad" data-testid=testid
                on:pointerdown=move |ev| point(&ev)
                on:pointermove=move |ev| if ev.buttons() & 1 == 1 { point(&ev) }
                inner_html=svg></div>
            <div class="pad-out">
                {move || match decoded.get() {
                    Some((img, ms, p)) => view! {
                        <div data-testid=format!("{testid}-image") data-code=format!("{:.3},{:.3}", p.0, p.1)>
                            {image(&img, side, 128, "the decoded image")}
                        </div>
                        <p class="readout" data-testid=format!("{testid}-readout")>
                            {format!("code ({}, {}) · decoded in {} ms", fmt_num(p.0), fmt_num(p.1), fmt_num(ms))}
                        </p>
                    }.into_any(),
                    None => view! { <p class="muted">"Press or drag on the map to decode a point."</p> }.into_any(),
                }}
            </div>
        </div>
    }
}

#[component]
pub fn JarData() -> impl IntoView {
    let set = jar_training_set();
    let shown = &set[..24];
    view! {
        {image_row(
            "",
            shown.iter().map(|j| jars::to_rgb(&j.1)).collect(),
            SIDE,
            56,
            shown.iter().map(|j| format!("height {:.1} px, width {:.1} px", j.0.height, j.0.width)).collect(),
        )}
        <p class="stats">{format!(
            "{} training jars, each {SIDE}×{SIDE} = {} grey pixels, each fully described by two numbers: height ({:.0}–{:.0} px) and width ({:.0}–{:.0} px).",
            set.len(), SIDE * SIDE, jars::HEIGHT.0, jars::HEIGHT.1, jars::WIDTH.0, jars::WIDTH.1
        )}</p>
    }
}

fn colour_toggle(by_height: RwSignal<bool>) -> impl IntoView {
    let options = vec![(true, "height", ""), (false, "width", "")];
    view! { <Choice label="Colour by:" options value=by_height testid="jars-colour"/> }
}

#[component]
pub fn JarPca() -> impl IntoView {
    let p = pca();
    let set = &jar_training_set()[..SHOWN];
    let pts: Vec<(f64, f64)> = set
        .iter()
        .map(|j| {
            let z = p.project(&j.1);
            (z[0], z[1])
        })
        .collect();
    let jars: Vec<Jar> = set.iter().map(|j| j.0).collect();
    let by_height = RwSignal::new(true);
    let groups = Signal::derive(move || by_factor(&pts, &jars, by_height.get()));
    let p2 = p.clone();
    let decode: Decoder = Arc::new(move |(a, b): (f64, f64)| {
        Box::pin(std::future::ready(Some(jars::to_rgb(
            &p2.reconstruct(&[a, b]),
        ))))
    });
    let comps: Vec<Vec<u8>> = (0..2)
        .map(|c| {
            let v = &p.components[c];
            let m = v.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-9);
            jars::to_rgb(
                &v.iter()
                    .map(|x| (0.5 + 0.5 * x / m) as f32)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    view! {
        {colour_toggle(by_height)}
        <LatentPad groups=groups decode=decode side=SIDE title="PCA: the best flat 2-D map" x_label="component 1 (sd units)" y_label="component 2 (sd units)" testid="pca-pad"/>
        <div class="image-row">
            <span class="row-label">"mean"</span>
            {image(&jars::to_rgb(&p.mean.iter().map(|&v| v as f32).collect::<Vec<_>>()), SIDE, 64, "the mean jar")}
            <span class="row-label">"components"</span>
            {comps.iter().map(|c| image(c, SIDE, 64, "a principal component (grey = 0)")).collect_view()}
        </div>
        <p class="stats" data-testid="pca-explained">{format!(
            "The two components explain {} and {} of the pixel variance. A decoded point is the mean jar plus a mix of the two component images, so PCA can only blend, never move an edge.",
            fmt_pct(p.explained[0]), fmt_pct(p.explained[1])
        )}</p>
    }
}

#[component]
pub fn JarAutoencoder() -> impl IntoView {
    let model = training::model("jar-ae");
    let set = &jar_training_set()[..SHOWN];
    let jars: Vec<Jar> = set.iter().map(|j| j.0).collect();
    let by_height = RwSignal::new(true);
    let rows: Vec<Vec<f32>> = set.iter().map(|j| j.1.clone()).collect();
    let shown = rows[..8].to_vec();
    let codes = async_memo(move || {
        let f = model.call("encode", rows.clone());
        async move {
            let zs = f.await?;
            Some(
                zs.iter()
                    .map(|z| (z[0] as f64, z[1] as f64))
                    .collect::<Vec<_>>(),
            )
        }
    });
    let groups =
        Signal::derive(move || by_factor(&codes.get().unwrap_or_default(), &jars, by_height.get()));
    let decode: Decoder = Arc::new(move |(a, b): (f64, f64)| {
        let f = model.call("decode", vec![vec![a as f32, b as f32]]);
        Box::pin(async move { Some(jars::to_rgb(f.await?.first()?)) })
    });
    let back = async_memo(move || {
        let f = model.call("reconstruct", shown.clone());
        async move { f.await }
    });
    let originals: Vec<Vec<u8>> = set[..8].iter().map(|j| jars::to_rgb(&j.1)).collect();
    let recon = move || {
        let back = back.get()?;
        Some(view! {
            {image_row("jars", originals.clone(), SIDE, 48, vec![])}
            {image_row("decoded", back.iter().map(|r| jars::to_rgb(r)).collect(), SIDE, 48, vec![])}
        })
    };
    view! {
        <TrainPanel model=model steps=1500 title="the jar autoencoder"/>
        {colour_toggle(by_height)}
        <LatentPad groups=groups decode=decode side=SIDE title="The autoencoder's 2-D latent space" x_label="z₁" y_label="z₂" testid="ae-pad"/>
        <div class="recon">{recon}</div>
    }
}
