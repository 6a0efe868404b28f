//! Values pinned by the native test `determinism.rs` and checked again in the browser by
//! `web.rs`: the same seed must give the same people and pixels on every target.
#![allow(dead_code)]

/// `PData::default().sample_n(5, 2024)`, as combination indices.
pub const FIRST_FIVE_OF_SEED_2024: [usize; 5] = [1264, 2539, 586, 444, 3972];
/// A weighted checksum of `rasterise(&Avatar([1, 6, 3, 5, 5]))`.
pub const RASTER_CHECKSUM: u64 = 74608609;
