//! The cross-target determinism checks, shared by the native test `determinism.rs` and the
//! browser test `web.rs`: the same seed must give the same people and pixels everywhere.

use genlab::data::draw::rasterise;
use genlab::data::{Avatar, PData};

/// `PData::default().sample_n(5, 2024)`, as combination indices.
const FIRST_FIVE_OF_SEED_2024: [usize; 5] = [1264, 2539, 586, 444, 3972];
/// A weighted checksum of `rasterise(&Avatar([1, 6, 3, 5, 5]))`.
const RASTER_CHECKSUM: u64 = 74608609;

pub fn sampler_gives_the_pinned_people() {
    let got: Vec<usize> = PData::default()
        .sample_n(5, 2024)
        .iter()
        .map(Avatar::index)
        .collect();
    assert_eq!(got, FIRST_FIVE_OF_SEED_2024.to_vec());
}

pub fn rasteriser_gives_the_pinned_checksum() {
    let img = rasterise(&Avatar([1, 6, 3, 5, 5]));
    let sum: u64 = img
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as u64 % 251 + 1) * v as u64)
        .sum();
    assert_eq!(sum, RASTER_CHECKSUM);
}
