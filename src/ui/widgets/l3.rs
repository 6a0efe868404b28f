use leptos::prelude::*;
#[component] pub fn PixelData() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn PixelModelWidget() -> impl IntoView { view!{<p>"x"</p>} }
#[component] pub fn PixelCorrelation() -> impl IntoView { view!{<p>"x"</p>} }
