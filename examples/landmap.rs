//! Prints the land/sea map of lesson 1 as text (for eyeballing changes to its generator).
fn main() {
    let m = genlab::data::land::LandMap::world();
    for r in (0..genlab::data::land::ROWS).step_by(2) {
        let row: String = (0..genlab::data::land::COLS)
            .map(|c| {
                if m.land[r * genlab::data::land::COLS + c] {
                    '#'
                } else {
                    '.'
                }
            })
            .collect();
        println!("{row}");
    }
    println!("land fraction {:.3}", m.land_fraction());
}
