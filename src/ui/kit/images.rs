//! Images drawn from pixel values: one, a labelled row, and a grid of samples.

use crate::plot::bmp_data_url;
use leptos::prelude::*;

/// One image as an `<img>` (pixelated when scaled up).
pub fn image(rgb: &[u8], side: usize, px: u32, title: &str) -> impl IntoView {
    view! {
        <img class="px" src=bmp_data_url(rgb, side, side) width=px height=px alt=title.to_string() title=title.to_string()/>
    }
}

/// A row of images with an optional label in front.
pub fn image_row(
    label: &str,
    images: Vec<Vec<u8>>,
    side: usize,
    px: u32,
    titles: Vec<String>,
) -> impl IntoView {
    let label = label.to_string();
    view! {
        <div class="image-row">
            {(!label.is_empty()).then(|| view! { <span class="row-label">{label.clone()}</span> })}
            {images
                .into_iter()
                .enumerate()
                .map(|(i, im)| image(&im, side, px, titles.get(i).map(String::as_str).unwrap_or("")))
                .collect_view()}
        </div>
    }
}

/// Images in a grid of `columns` (each at most `px` wide, narrower on a narrow screen, so
/// the grid keeps its shape), titled "`title` 1", "`title` 2", ….
pub fn image_grid(
    images: &[Vec<u8>],
    side: usize,
    px: u32,
    columns: usize,
    title: &str,
) -> impl IntoView {
    let style = format!(
        "grid-template-columns: repeat({}, minmax(0, {px}px))",
        columns.max(1)
    );
    view! {
        <div class="sample-grid" style=style data-title=title.to_string() data-columns=columns.max(1).to_string()>
            {images
                .iter()
                .enumerate()
                .map(|(i, im)| image(im, side, px, &format!("{title} {}", i + 1)))
                .collect_view()}
        </div>
    }
}

/// Pictures ranked by a score, highest first (anomaly detection): each with its rank, the
/// picture, its label and "`what` score"; the ones marked odd are highlighted.
pub fn ranked_images(
    items: &[(String, Vec<u8>, bool)],
    scores: &[f64],
    side: usize,
    what: &'static str,
) -> impl IntoView {
    let mut order: Vec<usize> = (0..items.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    view! {
        <ol class="anomaly" data-testid="anomaly-list">
            {order
                .into_iter()
                .enumerate()
                .map(|(rank, i)| {
                    let (label, img, odd) = &items[i];
                    view! {
                        <li data-ood=odd.to_string() class:ood=*odd>
                            <span class="rank">{rank + 1}</span>
                            {image(img, side, 40, label)}
                            <span>{label.clone()}</span>
                            <span class="score">{format!("{what} {}", crate::plot::fmt_num(scores[i]))}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
