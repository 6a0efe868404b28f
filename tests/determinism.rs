//! Native side of the cross-target determinism check (see `web.rs`).

use genlab::data::draw::rasterise;
use genlab::data::{Avatar, PData};

mod expected;

#[test]
fn sampler_gives_the_pinned_people() {
    let got: Vec<usize> = PData::default().sample_n(5, 2024).iter().map(Avatar::index).collect();
    assert_eq!(got, expected::FIRST_FIVE_OF_SEED_2024.to_vec());
}

#[test]
fn rasteriser_gives_the_pinned_checksum() {
    let img = rasterise(&Avatar([1, 6, 3, 5, 5]));
    let sum: u64 = img.iter().enumerate().map(|(i, &v)| (i as u64 % 251 + 1) * v as u64).sum();
    assert_eq!(sum, expected::RASTER_CHECKSUM);
}
