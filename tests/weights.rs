//! safetensors compatibility with the Python reference package: a file it wrote (committed
//! fixture, see fixtures/make_fixture.py) opens in Genlab, and Genlab writes the very same
//! bytes for the same tensors, so Python opens Genlab's files too.

use genlab::nn::weights::{from_bytes, to_bytes};
use std::collections::HashMap;

const FIXTURE: &[u8] = include_bytes!("fixtures/python_written.safetensors");

fn expected() -> Vec<(String, Vec<usize>, Vec<f32>)> {
    vec![
        (
            "mlp.0.weight".into(),
            vec![2, 3],
            (0..6).map(|i| i as f32 / 10.0 - 0.25).collect(),
        ),
        ("mlp.0.bias".into(), vec![3], vec![1.5, -2.0, 0.125]),
        ("scalar".into(), vec![], vec![3.0]),
    ]
}

#[test]
fn reads_what_python_wrote() {
    let w = from_bytes(FIXTURE).unwrap();
    for (name, shape, values) in expected() {
        let (s, v) = &w.tensors[&name];
        assert_eq!(s, &shape, "{name}");
        for (a, b) in v.iter().zip(&values) {
            assert!((a - b).abs() < 1e-7, "{name}: {a} vs {b}");
        }
    }
    assert_eq!(w.metadata["written_by"], "python safetensors");
}

#[test]
fn writes_what_python_writes() {
    let meta = HashMap::from([
        ("written_by".to_string(), "python safetensors".to_string()),
        ("seed".to_string(), "7".to_string()),
    ]);
    // The fixture's values went through numpy's float32 arithmetic; take them from it.
    let w = from_bytes(FIXTURE).unwrap();
    let tensors: Vec<_> = expected()
        .into_iter()
        .map(|(n, s, _)| {
            let v = w.tensors[&n].1.clone();
            (n, s, v)
        })
        .collect();
    let ours = to_bytes(&tensors, &meta).unwrap();
    assert_eq!(
        ours, FIXTURE,
        "Genlab's safetensors bytes differ from the Python package's"
    );
}
