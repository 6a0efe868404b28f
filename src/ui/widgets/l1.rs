use leptos::prelude::*;
#[component] pub fn LandBox() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn LandTruth() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn LandModels() -> impl IntoView { view!{<p>"x"</p>} }
