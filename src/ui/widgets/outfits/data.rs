//! Lesson 2's data: the fifty outfits the prose describes, fifty fresh ones, or the
//! reader's own CSV file (`data::outfits_csv`); every model of the lesson fits whichever
//! is chosen.

use super::super::{avatar_svg, OwnOutfits, Shared};
use crate::data::avatar::{Avatar, CARDINALITIES, FEATURES};
use crate::data::outfits_csv::{from_csv, to_csv, too_large, MAX_BYTES};
use crate::data::PData;
use crate::plot::{fmt_pct, Figure, PALETTE};
use crate::ui::browser;
use crate::ui::split::later_fn;
use leptos::prelude::*;

// The CSV reader, in a chunk of its own in the site's build (only a reader's file needs it).
later_fn!(
    outfits_csv,
    fn read_csv(bytes: Vec<u8>) -> Result<Vec<Avatar>, String> {
        match std::str::from_utf8(&bytes) {
            Err(e) => Err(format!(
                "it is not text (UTF-8) from byte {}",
                e.valid_up_to()
            )),
            Ok(text) => from_csv(text).map_err(|e| e.to_string()),
        }
    }
);

/// How many outfits the lesson draws.
pub const N_LESSON: usize = 50;
/// The most avatars a row draws; a larger data set is summarised after them.
const ROW_MAX: usize = 60;

/// The outfits every widget of the lesson fits: the reader's file while one is open,
/// otherwise fifty drawn from P_data with the shared seed (which travels in the step's
/// address as `s.outfits-seed`, so a link opens the same fifty).
pub fn observed() -> Memo<Vec<Avatar>> {
    let shared = expect_context::<Shared>();
    crate::ui::kit::state::share(
        "outfits-seed",
        move || shared.outfit_seed.get().to_string(),
        move |text| {
            let seed = text
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("“{text}” is not a seed (a whole number)"))?;
            shared.own_outfits.set(None);
            shared.outfit_seed.set(seed);
            Ok(())
        },
    );
    Memo::new(move |_| match shared.own_outfits.get() {
        Some(own) => own.people.to_vec(),
        None => PData::default().sample_n(N_LESSON, shared.outfit_seed.get()),
    })
}

/// A row of avatars (the first `ROW_MAX`, then a count of the rest); `mark(i)` gives
/// extra CSS classes for avatar i.
pub fn avatar_row(
    people: &[Avatar],
    px: u32,
    testid: &'static str,
    mark: impl Fn(usize) -> &'static str,
) -> impl IntoView {
    let items = people
        .iter()
        .take(ROW_MAX)
        .enumerate()
        .map(|(i, a)| view! { <div class=format!("avatar {}", mark(i)) data-testid=testid inner_html=avatar_svg(a, px)></div> })
        .collect::<Vec<_>>();
    let rest = people.len().saturating_sub(ROW_MAX);
    view! {
        <div class="avatars">{items}</div>
        {(rest > 0).then(|| view! { <p class="muted small">{format!("… and {rest} more, not drawn.")}</p> })}
    }
}

#[component]
pub fn OutfitData() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let people = observed();
    let feature = RwSignal::new(1usize);
    // The last file's outcome: what was read, or why nothing was.
    let message = RwSignal::new(None::<Result<String, String>>);
    let chart = move || {
        let f = feature.get();
        let p = people.get();
        let truth = PData::default().marginal(f);
        let mut counts = vec![0.0; CARDINALITIES[f]];
        for a in &p {
            counts[a.get(f)] += 1.0 / p.len() as f64;
        }
        let desc = format!(
            "Bars per value of {}: observed share in the {} outfits and the true probability. {}",
            FEATURES[f].name,
            p.len(),
            FEATURES[f]
                .values
                .iter()
                .zip(&counts)
                .zip(&truth)
                .map(|((v, c), t)| format!("{v}: {} observed, {} true", fmt_pct(*c), fmt_pct(*t)))
                .collect::<Vec<_>>()
                .join("; ")
        );
        Figure::category_bars(
            FEATURES[f].values,
            vec![
                ("observed".into(), PALETTE[0].into(), counts),
                ("P_data".into(), PALETTE[1].into(), truth),
            ],
        )
        .size(560.0, 260.0)
        .title(&format!("{}: observed share vs P_data", FEATURES[f].name))
        .labels("", "share of people")
        .describe(desc)
        .to_svg()
    };
    let download = move |_| {
        let csv = to_csv(&people.get_untracked());
        if browser::download("outfits.csv", "text/csv", &csv).is_err() {
            message.set(Some(Err(browser::DOWNLOAD_REFUSED.into())));
        }
    };
    let open = move |ev: web_sys::Event| {
        let Some(input) = browser::input_of(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let name = input
                .files()
                .and_then(|f| f.get(0))
                .map(|f| f.name())
                .unwrap_or_default();
            let refuse = |bytes: usize| (bytes > MAX_BYTES).then(|| too_large(bytes).to_string());
            let read = browser::chosen_bytes(&input, refuse).await;
            input.set_value("");
            let outcome = match read {
                Ok(None) => return,
                Ok(Some(bytes)) => read_csv(bytes).await.unwrap_or_else(|_| {
                    Err("the part of the page that reads CSV could not be downloaded (are you offline?)".into())
                }),
                Err(why) => Err(why),
            };
            message.set(Some(match outcome {
                Ok(people) => {
                    let text = format!(
                        "Read {} outfits from {name}. Every model on the following steps now fits them.",
                        people.len()
                    );
                    shared.own_outfits.set(Some(OwnOutfits {
                        file: name,
                        people: people.into(),
                    }));
                    Ok(text)
                }
                Err(why) => Err(format!(
                    "{name} was not read: {why}. The outfits in use are unchanged."
                )),
            }));
        });
    };
    let source = move || match shared.own_outfits.get() {
        Some(own) => format!("your file {}: {} outfits", own.file, own.people.len()),
        None => format!("seed {}", shared.outfit_seed.get()),
    };
    view! {
        <div data-testid="outfit-grid">{move || avatar_row(&people.get(), 56, "avatar", |_| "")}</div>
        <div class="controls">
            <button data-testid="download-csv" on:click=download>"Download as CSV"</button>
            <button data-testid="reseed" on:click=move |_| { message.set(None); shared.reseed() }>"Draw 50 new people"</button>
            <button data-testid="lesson-outfits" on:click=move |_| { message.set(None); shared.lesson_outfits() }
                disabled=move || shared.is_lesson_outfits()>"Back to the lesson's 50"</button>
            <label class="button">
                "Open your own CSV"
                <input type="file" accept=".csv,text/csv" class="visually-hidden"
                    data-testid="outfits-file" on:change=open/>
            </label>
            <span class="muted" data-testid="outfits-source">{source}</span>
        </div>
        {move || message.get().map(|m| match m {
            Ok(t) => view! { <p class="muted" role="status" data-testid="outfits-file-message">{t}</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert" data-testid="outfits-file-message">{e}</p> }.into_any(),
        })}
        <p class="muted small">{format!(
            "Your own file: the CSV this page downloads (a header naming the five features, then one outfit per line, values by name), up to {} outfits or {} KB.",
            crate::data::outfits_csv::MAX_ROWS, MAX_BYTES / 1024
        )}</p>
        <div class="controls">
            <label class="select">"Feature"
                <select on:change=move |ev| feature.set(event_target_value(&ev).parse().unwrap_or(1))>
                    {FEATURES.iter().enumerate().map(|(i, f)| view! { <option value=i.to_string() selected=i == 1>{f.name}</option> }).collect::<Vec<_>>()}
                </select>
            </label>
        </div>
        <div class="plot-host" inner_html=chart></div>
    }
}
