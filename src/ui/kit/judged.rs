//! Generated people as the feature classifier reads them, beside P_data: one feature's
//! shares as bars (the reader picks the feature), each feature's distance to P_data per
//! model, and distinct people, each beside what as many draws from P_data itself give.

use super::feature_choice;
use crate::data::avatar::FEATURES;
use crate::models::autoencoder::{pdata, pdata_pixel_change};
use crate::models::judge::{expected_distinct, expected_tv, Verdict};
use crate::plot::{fmt_num, Figure, PALETTE};
use leptos::prelude::*;

/// Seeded sets of P_data draws the sampling-noise column averages.
const TRIALS: usize = 64;

/// The readings of `models` (label, verdict; all of the same number of people) against
/// P_data. Test ids: `{testid}-chart`, `{testid}-table`, and the first model's mean
/// distance and distinct people in `{testid}-tv` and `{testid}-distinct`.
pub fn against_pdata(
    testid: &'static str,
    models: Signal<Vec<(String, Verdict)>>,
) -> impl IntoView {
    let feature = RwSignal::new(0usize);
    let pd = pdata();
    let chart = move || {
        let f = feature.get();
        models.with(|ms| {
            let n = ms.first()?.1.n;
            let mut series = vec![("P_data".to_string(), PALETTE[0].to_string(), pd.marginal(f))];
            series.extend(ms.iter().enumerate().map(|(i, (label, v))| {
                (format!("{label} samples"), PALETTE[1 + i].to_string(), v.shares[f].clone())
            }));
            Some(
                Figure::category_bars(FEATURES[f].values, series)
                    .size(520.0, 260.0)
                    .labels(FEATURES[f].name, "share")
                    .title(&format!(
                        "{}: P_data vs what the classifier reads in {n} samples",
                        FEATURES[f].name
                    ))
                    .describe(format!(
                        "Bars per value of {}: the true share, and the shares among each model's samples.",
                        FEATURES[f].name
                    ))
                    .to_svg(),
            )
        })
        .unwrap_or_default()
    };
    // The sampling-noise column, recomputed only when the number of people changes.
    let n = Memo::new(move |_| models.with(|ms| ms.first().map_or(0, |m| m.1.n)));
    let noise = Memo::new(move |_| {
        let n = n.get();
        (n > 0).then(|| (expected_tv(pd, n, TRIALS, 99), expected_distinct(pd, n)))
    });
    // P_data's pixel-to-pixel change: drawn and rasterised only where a model's pictures
    // are at hand to set beside it.
    let pictures =
        Memo::new(move |_| models.with(|ms| ms.iter().any(|(_, v)| v.pixel_change.is_some())));
    let pd_change = Memo::new(move |_| {
        let n = n.get();
        (pictures.get() && n > 0).then(|| pdata_pixel_change(n, 99))
    });
    let table = move || {
        let ms = models.get();
        let (tv, distinct) = noise.get()?;
        let n = ms.first()?.1.n;
        let head = ms
            .iter()
            .map(|(label, _)| view! { <th class="num">{label.clone()}</th> })
            .collect_view();
        let cells = |f: Option<usize>| {
            ms.iter()
                .enumerate()
                .map(|(i, (_, v))| {
                    let (text, id) = match f {
                        Some(f) => (fmt_num(v.tv[f]), None),
                        None => (
                            fmt_num(v.mean_tv()),
                            (i == 0).then(|| format!("{testid}-tv")),
                        ),
                    };
                    view! { <td class="num" data-testid=id>{text}</td> }
                })
                .collect_view()
        };
        let distinct_cells = ms
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let id = (i == 0).then(|| format!("{testid}-distinct"));
                view! { <td class="num" data-testid=id>{v.distinct}</td> }
            })
            .collect_view();
        let mean_noise = tv.iter().sum::<f64>() / 5.0;
        let change_cells = ms
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let id = (i == 0).then(|| format!("{testid}-pixel-change"));
                let text = v.pixel_change.map_or("—".to_string(), fmt_num);
                view! { <td class="num" data-testid=id>{text}</td> }
            })
            .collect_view();
        let pd_change = pd_change.get();
        let change_row = pd_change.map(|pd_change| view! {
            <tr><td>"pixel-to-pixel change"</td>{change_cells}<td class="num">{fmt_num(pd_change)}</td></tr>
        });
        Some(view! {
            <table class="numbers" tabindex="0" data-testid=format!("{testid}-table")>
                <thead><tr><th>"distance to P_data"</th>{head}<th class="num">{format!("{n} draws from P_data")}</th></tr></thead>
                <tbody>
                    {(0..5).map(|f| view! {
                        <tr><td>{FEATURES[f].name}</td>{cells(Some(f))}<td class="num">{fmt_num(tv[f])}</td></tr>
                    }).collect_view()}
                    <tr><td>"mean"</td>{cells(None)}<td class="num">{fmt_num(mean_noise)}</td></tr>
                    <tr><td>{format!("distinct people among {n}")}</td>{distinct_cells}<td class="num">{fmt_num(distinct)}</td></tr>
                    {change_row}
                </tbody>
            </table>
            <p class="muted small">{format!(
                "Distance: total variation, half the summed absolute differences of the shares (0 = identical, 1 = disjoint). The last column is what sets of {n} people drawn from P_data itself show on average ({TRIALS} sets): the distance that sampling noise alone gives."
            )}</p>
            {pd_change.is_some().then(|| view! {
                <p class="muted small">"Pixel-to-pixel change: how much a picture's colour changes between neighbouring pixels, on average (0 to 1). P_data's people are flat colours with sharp edges; speckle raises the figure, since noise adds changes where their colours are flat."</p>
            })}
        })
    };
    let any = Memo::new(move |_| models.with(|ms| !ms.is_empty()));
    view! {
        {move || any.get().then(|| feature_choice("Feature:", feature))}
        <div class="plot-host" data-testid=format!("{testid}-chart") inner_html=chart></div>
        {table}
    }
}
