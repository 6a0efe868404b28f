//! Native side of the cross-target determinism check (the browser side is in `web.rs`).

mod expected;

#[test]
fn sampler_gives_the_pinned_people() {
    expected::sampler_gives_the_pinned_people();
}

#[test]
fn rasteriser_gives_the_pinned_checksum() {
    expected::rasteriser_gives_the_pinned_checksum();
}
