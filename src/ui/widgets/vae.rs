//! Lesson 5: a plain autoencoder and a VAE on Avatar World: training here, the latent map
//! by feature, interpolation, sampling from the prior (and the plain autoencoder's holes),
//! β, anomaly detection, and a feature classifier that checks the samples against P_data.

use super::jars::{Decoder, Groups, LatentPad};
use super::Widgets;
use crate::data::avatar::{Avatar, CARDINALITIES, FEATURES, HAIR_COLOUR};
use crate::data::draw::{self, CLOTH_RGB, HAIR_RGB, SIZE};
use crate::models::autoencoder::{self as ae, avatar_input, held_out_people, rgb_from_chw};
use crate::models::judge::{shares, total_variation};
use crate::models::pca::Pca;
use crate::models::zoo::{classified, AVATAR_LATENT};
use crate::plot::{fmt_num, fmt_pct, Figure, PALETTE};
use crate::ui::kit::{
    feature_choice, image_row, ranked_images, weights_wait, Choice, Slider, TrainPanel,
};
use crate::ui::run_kit::async_memo;
use crate::ui::training::{self, ModelHandle};
use leptos::prelude::*;
use std::sync::Arc;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("vae-train", || VaeTrain().into_any()),
    ("vae-latent-map", || VaeLatentMap().into_any()),
    ("vae-interpolate", || VaeInterpolate().into_any()),
    ("vae-holes", || VaeHoles().into_any()),
    ("vae-beta", || VaeBeta().into_any()),
    ("vae-anomaly", || VaeAnomaly().into_any()),
    ("vae-features", || VaeFeatures().into_any()),
];

const AE: &str = "avatar-ae";
const VAE: &str = "avatar-vae";
/// The β values with shipped VAEs, and their models.
const BETAS: [(f64, &str); 3] = [
    (0.25, "avatar-vae-b025"),
    (1.0, VAE),
    (4.0, "avatar-vae-b4"),
];

fn people_for_map() -> Vec<Avatar> {
    ae::pdata().sample_n(400, 55)
}

/// Decoded (channel-first) images as RGB bytes.
fn rgb_rows(xs: &[Vec<f32>]) -> Vec<Vec<u8>> {
    xs.iter().map(|x| rgb_from_chw(x)).collect()
}

fn rgb(a: &Avatar) -> Vec<u8> {
    ae::avatar_raster(a.index()).to_vec()
}

fn model_toggle(use_vae: RwSignal<bool>) -> impl IntoView {
    let options = vec![(false, "autoencoder", ""), (true, "VAE", "pick-vae")];
    view! { <Choice label="Model:" options value=use_vae testid="vae-model"/> }
}

#[component]
pub fn VaeTrain() -> impl IntoView {
    let (m_ae, m_vae) = (training::model(AE), training::model(VAE));
    let beta = RwSignal::new(1.0);
    let people = held_out_people(8, 77);
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    let originals: Vec<Vec<u8>> = people.iter().map(rgb).collect();
    let recon = move |m: ModelHandle| {
        let xs = xs.clone();
        async_memo(move || {
            let f = m.call("reconstruct", xs.clone());
            async move { Some(rgb_rows(&f.await?)) }
        })
    };
    let (r_ae, r_vae) = (recon(m_ae), recon(m_vae));
    let rows = move || {
        view! {
            {image_row("held-out people", originals.clone(), SIZE, 48, people.iter().map(|a| a.describe()).collect())}
            {r_ae.get().map(|im| image_row("autoencoder", im, SIZE, 48, vec![]))}
            {r_vae.get().map(|im| image_row("VAE", im, SIZE, 48, vec![]))}
        }
    };
    view! {
        <TrainPanel model=m_ae steps=600 title="the autoencoder"/>
        <Slider label="β for a VAE trained here" min=0.0 max=8.0 step=0.25 value=beta testid="beta-train"/>
        <TrainPanel model=m_vae steps=600 beta=beta title="the VAE"/>
        <p class="muted">"People the models never saw in training, and their reconstructions (refreshed as training runs):"</p>
        <div class="recon" data-testid="recon-rows">{rows}</div>
    }
}

/// The colour a latent-map point gets for a feature value.
fn value_colour(feature: usize, v: usize) -> String {
    let c = match feature {
        1 => CLOTH_RGB[v],
        3 => HAIR_RGB[v],
        _ => return PALETTE[v % PALETTE.len()].to_string(),
    };
    // Keep near-white points visible on the plot's background.
    let c = if c.iter().all(|&x| x > 0xe0) {
        [0xc8, 0xc8, 0xc8]
    } else {
        c
    };
    draw::hex(c)
}

#[component]
pub fn VaeLatentMap() -> impl IntoView {
    let (m_ae, m_vae) = (training::model(AE), training::model(VAE));
    m_ae.ensure_loaded();
    m_vae.ensure_loaded();
    let use_vae = RwSignal::new(true);
    let feature = RwSignal::new(HAIR_COLOUR);
    let people = people_for_map();
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    // Codes are 8-D; the map shows them in their own first two principal directions.
    let fitted = async_memo(move || {
        let m = if use_vae.get() { m_vae } else { m_ae };
        let f = m.call("encode", xs.clone());
        async move { map_of(&f.await?) }
    });
    let people2 = people.clone();
    let groups = Signal::derive(move || -> Groups {
        let f = feature.get();
        let Some(PcaMap(_, pts)) = fitted.get() else {
            return Vec::new();
        };
        (0..CARDINALITIES[f])
            .map(|v| {
                let sel = pts
                    .iter()
                    .zip(&people2)
                    .filter(|(_, a)| a.get(f) == v)
                    .map(|(p, _)| *p)
                    .collect();
                (FEATURES[f].values[v].to_string(), value_colour(f, v), sel)
            })
            .collect()
    });
    let decode: Decoder = Arc::new(move |(a, b): (f64, f64)| {
        let m = if use_vae.get() { m_vae } else { m_ae };
        let Some(PcaMap(pca, _)) = fitted.get() else {
            return Box::pin(std::future::ready(None));
        };
        let f = m.call("decode", vec![pca.reconstruct(&[a, b])]);
        Box::pin(async move { rgb_rows(&f.await?).pop() })
    });
    view! {
        {model_toggle(use_vae)}
        {feature_choice("Colour by:", feature)}
        {move || fitted.get().is_none().then(|| weights_wait(if use_vae.get() { m_vae } else { m_ae }))}
        <LatentPad groups=groups decode=decode side=SIZE title="400 people at their codes" x_label="latent direction 1" y_label="latent direction 2" testid="vae-pad"/>
    }
}

/// A PCA of codes and the projected points.
#[derive(Clone)]
struct PcaMap(Pca, Vec<(f64, f64)>);

/// The codes' map: their first two principal directions.
fn map_of(codes: &[Vec<f32>]) -> Option<PcaMap> {
    let pca = Pca::fit(codes, 2);
    let pts = codes
        .iter()
        .map(|c| {
            let z = pca.project(c);
            (z[0], z[1])
        })
        .collect();
    Some(PcaMap(pca, pts))
}

#[component]
pub fn VaeInterpolate() -> impl IntoView {
    let (m_ae, m_vae) = (training::model(AE), training::model(VAE));
    m_ae.ensure_loaded();
    m_vae.ensure_loaded();
    let pair_seed = RwSignal::new(3u64);
    let steps = 9;
    let strip = move |m: ModelHandle| {
        async_memo(move || {
            let ps = held_out_people(2, pair_seed.get());
            let xs: Vec<Vec<f32>> = ps.iter().map(avatar_input).collect();
            let f = m.call("encode", xs);
            async move {
                let z = f.await?;
                let zs: Vec<Vec<f32>> = (0..steps)
                    .map(|i| {
                        let t = i as f32 / (steps - 1) as f32;
                        z[0].iter()
                            .zip(&z[1])
                            .map(|(a, b)| a + t * (b - a))
                            .collect()
                    })
                    .collect();
                let between = rgb_rows(&m.call("decode", zs).await?);
                Some((ps, between))
            }
        })
    };
    let row = move |label: &'static str, got: Option<(Vec<Avatar>, Vec<Vec<u8>>)>| {
        let (ps, between) = got?;
        let mut images = vec![rgb(&ps[0])];
        images.extend(between);
        images.push(rgb(&ps[1]));
        let mut titles = vec![ps[0].describe()];
        titles.extend((0..steps).map(|i| format!("{} % of the way", i * 100 / (steps - 1))));
        titles.push(ps[1].describe());
        Some(image_row(label, images, SIZE, 44, titles))
    };
    let (s_ae, s_vae) = (strip(m_ae), strip(m_vae));
    view! {
        <div class="controls">
            <button class="primary" data-testid="new-pair" on:click=move |_| pair_seed.update(|s| *s += 1)>"Pick two other people"</button>
        </div>
        <div class="recon" data-testid="interpolation">
            {move || row("autoencoder", s_ae.get())}
            {move || row("VAE", s_vae.get())}
        </div>
        <p class="muted">"First and last: the real people. Between: decodings of codes on the straight line between their codes."</p>
    }
}

#[component]
pub fn VaeHoles() -> impl IntoView {
    let (m_ae, m_vae) = (training::model(AE), training::model(VAE));
    m_ae.ensure_loaded();
    m_vae.ensure_loaded();
    let seed = RwSignal::new(1u64);
    let people = people_for_map();
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    // How far each model's codes sit from the prior N(0, I): their mean and spread.
    let spread = |codes: &[Vec<f32>]| -> String {
        let n = codes.len() as f64;
        let d = AVATAR_LATENT;
        let mut mean = vec![0.0; d];
        for c in codes {
            for i in 0..d {
                mean[i] += c[i] as f64 / n;
            }
        }
        let mut sd = vec![0.0; d];
        for c in codes {
            for i in 0..d {
                sd[i] += (c[i] as f64 - mean[i]).powi(2) / n;
            }
        }
        let sd: Vec<String> = sd.iter().map(|v| fmt_num(v.sqrt())).collect();
        let mean: Vec<String> = mean.iter().map(|v| fmt_num(*v)).collect();
        format!(
            "codes' mean per dimension ({}) and sd ({})",
            mean.join(", "),
            sd.join(", ")
        )
    };
    let samples = move |m: ModelHandle| {
        let xs = xs.clone();
        async_memo(move || {
            let dec = m.call(
                "decode",
                ae::standard_normal_codes(12, AVATAR_LATENT, seed.get()),
            );
            let enc = m.call("encode", xs.clone());
            async move { Some((rgb_rows(&dec.await?), spread(&enc.await?))) }
        })
    };
    let (g_ae, g_vae) = (samples(m_ae), samples(m_vae));
    let grid = move |label: &'static str, got: Option<(Vec<Vec<u8>>, String)>| {
        let (images, spread) = got?;
        Some(view! {
            <div class="side">
                <h2 class="side-title">{label}</h2>
                {image_row("", images, SIZE, 52, vec![])}
                <p class="muted small">{spread}</p>
            </div>
        })
    };
    view! {
        <div class="controls">
            <button class="primary" data-testid="sample-people" on:click=move |_| seed.update(|s| *s += 1)>"Sample new people"</button>
            <span class="muted">"Codes drawn from N(0, I), decoded by each model."</span>
        </div>
        <div class="side-by-side" data-testid="prior-samples">
            {move || view! { {grid("autoencoder", g_ae.get())} {grid("VAE", g_vae.get())} }}
        </div>
    }
}

#[component]
pub fn VaeBeta() -> impl IntoView {
    let models: Vec<ModelHandle> = BETAS.iter().map(|b| training::model(b.1)).collect();
    for m in &models {
        m.ensure_loaded();
    }
    let which = RwSignal::new(1.0);
    let people = held_out_people(64, 91);
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    let models2 = models.clone();
    let stats = async_memo(move || {
        let i = which.get() as usize;
        let m = models2[i];
        let err = m.call("recon-error", xs.clone());
        let kl = m.call("kl", xs.clone());
        let recon = m.call("reconstruct", xs[..8].to_vec());
        let samples = m.call("decode", ae::standard_normal_codes(8, AVATAR_LATENT, 5));
        async move {
            let err = err.await?;
            let mse = err.iter().map(|e| e[0] as f64).sum::<f64>() / err.len() as f64;
            let kl = kl.await?.first()?.first().copied()? as f64;
            Some((
                i,
                mse,
                kl,
                rgb_rows(&recon.await?),
                rgb_rows(&samples.await?),
            ))
        }
    });
    let body = move || {
        let Some((i, mse, kl, recon, samples)) = stats.get() else {
            return weights_wait(models[which.get() as usize]).into_any();
        };
        let (beta, _) = BETAS[i];
        view! {
            <p class="stats" data-testid="beta-stats">{format!(
                "β = {}: on 64 held-out people, KL = {} nats per person, reconstruction error (mean squared, per pixel) = {}.",
                fmt_num(beta), fmt_num(kl), fmt_num(mse)
            )}</p>
            {image_row("reconstructions", recon, SIZE, 44, vec![])}
            {image_row("samples", samples, SIZE, 44, vec![])}
        }
        .into_any()
    };
    view! {
        <Slider label="β (shipped VAEs: 0.25, 1, 4)" min=0.0 max=2.0 step=1.0 value=which testid="beta-pick"
            show=Callback::new(|v: f64| fmt_num(BETAS[v as usize].0))/>
        <div data-testid="beta-view">{body}</div>
    }
}

#[component]
pub fn VaeAnomaly() -> impl IntoView {
    let m = training::model(VAE);
    m.ensure_loaded();
    let set = ae::anomaly_set();
    let xs: Vec<Vec<f32>> = set.iter().map(|s| ae::chw_from_rgb(&s.1)).collect();
    let errors = async_memo(move || {
        let f = m.call("recon-error", xs.clone());
        async move { Some(f.await?.iter().map(|e| e[0] as f64).collect::<Vec<f64>>()) }
    });
    view! {
        {move || match errors.get() {
            Some(errs) => ranked_images(&set, &errs, SIZE, "error").into_any(),
            None => weights_wait(m).into_any(),
        }}
    }
}

#[component]
pub fn VaeFeatures() -> impl IntoView {
    let (m_vae, m_cls) = (training::model(VAE), training::model("feature-classifier"));
    let m_ae = training::model(AE);
    for m in [m_vae, m_cls, m_ae] {
        m.ensure_loaded();
    }
    let feature = RwSignal::new(HAIR_COLOUR);
    let n_samples = 256;
    // How well the classifier reads real (held-out) people: its accuracy per feature.
    let people = held_out_people(200, 17);
    let xs: Vec<Vec<f32>> = people.iter().map(avatar_input).collect();
    let accuracy = async_memo(move || {
        let f = m_cls.call("classify", xs.clone());
        let people = people.clone();
        async move {
            let preds = classified(&f.await?);
            Some(
                (0..5)
                    .map(|f| {
                        preds
                            .iter()
                            .zip(&people)
                            .filter(|(p, a)| p[f] == a.get(f))
                            .count() as f64
                            / people.len() as f64
                    })
                    .collect::<Vec<_>>(),
            )
        }
    });
    // The classifier's reading of each model's samples from the prior.
    let sample_freq = move |m: ModelHandle| {
        async_memo(move || {
            let zs = ae::standard_normal_codes(n_samples, AVATAR_LATENT, 2718);
            let decoded = m.call("decode", zs);
            m_cls.version.track();
            async move {
                let read = m_cls.call("classify", decoded.await?).await?;
                Some(shares(&classified(&read)))
            }
        })
    };
    let vae_freq = sample_freq(m_vae);
    let ae_freq = sample_freq(m_ae);
    let truth: Vec<Vec<f64>> = (0..5).map(|f| ae::pdata().marginal(f)).collect();
    let truth2 = truth.clone();
    let chart = move || {
        let f = feature.get();
        let (Some(v), Some(a)) = (vae_freq.get(), ae_freq.get()) else {
            return String::new();
        };
        Figure::category_bars(
            FEATURES[f].values,
            vec![
                ("P_data".into(), PALETTE[0].into(), truth2[f].clone()),
                ("VAE samples".into(), PALETTE[1].into(), v[f].clone()),
                ("autoencoder samples".into(), PALETTE[2].into(), a[f].clone()),
            ],
        )
        .size(520.0, 260.0)
        .labels(FEATURES[f].name, "share")
        .title(&format!("{}: P_data vs what the classifier reads in {n_samples} samples", FEATURES[f].name))
        .describe(format!("Bars per value of {}: the true share, the share among VAE samples, and among autoencoder samples.", FEATURES[f].name))
            .to_svg()
    };
    let table = move || {
        let (Some(v), Some(a), Some(acc)) = (vae_freq.get(), ae_freq.get(), accuracy.get()) else {
            return None;
        };
        let tv = total_variation;
        Some(view! {
            <table class="numbers" tabindex="0" data-testid="feature-table">
                <thead><tr><th>"feature"</th><th>"classifier accuracy on real people"</th><th>"distance to P_data, VAE samples"</th><th>"… autoencoder samples"</th></tr></thead>
                <tbody>
                    {(0..5).map(|f| view! {
                        <tr>
                            <td>{FEATURES[f].name}</td>
                            <td>{fmt_pct(acc[f])}</td>
                            <td>{fmt_num(tv(&v[f], &truth[f]))}</td>
                            <td>{fmt_num(tv(&a[f], &truth[f]))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted small">"Distance: total variation, half the summed absolute differences of the shares (0 = identical, 1 = disjoint)."</p>
        })
    };
    view! {
        {feature_choice("Feature:", feature)}
        {move || vae_freq.get().is_none().then(|| weights_wait(m_cls))}
        <div class="plot-host" data-testid="feature-chart" inner_html=chart></div>
        {table}
    }
}
