use leptos::prelude::*;
#[component] pub fn OutfitData() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn FullTableWidget() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn LaplaceWidget() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn NbCounting() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn OutfitProbability() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn GenerateOutfits() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn KlVsN() -> impl IntoView { view!{<p>"x"</p>} }
