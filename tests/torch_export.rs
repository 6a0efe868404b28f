//! Every network of the zoo exported in PyTorch's module layout: the files and module
//! definitions are checked by `tests/python/check_torch_export.py` (numpy and pip's
//! `safetensors`, no torch), which also runs the feature classifier's forward pass in
//! numpy on an input written here and compares it with our logits. And a file in
//! PyTorch's layout loads back into our layout unchanged.

use genlab::autodiff::Tape;
use genlab::data::{Avatar, Rng};
use genlab::models::autoencoder::{avatar_input, rows_tensor};
use genlab::models::classifier::FeatureClassifier;
use genlab::models::zoo;
use genlab::nn::{torch, weights, Params};
use genlab::tensor::Device;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

mod shipped;

/// The Python that runs the check: `GENLAB_PYTHON` (set by `cargo xtask test`, which makes
/// an environment with numpy and safetensors), else `python3`.
fn python() -> String {
    std::env::var("GENLAB_PYTHON").unwrap_or_else(|_| "python3".into())
}

#[test]
fn every_network_exports_for_pytorch_and_numpy_reproduces_the_classifier() {
    let dir = std::env::temp_dir().join(format!("genlab-torch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for r in zoo::all_recipes() {
        let (_, p) = r.build(&Device::Cpu);
        let file = format!("{}-pytorch.safetensors", r.name);
        let bytes = torch::export(&p, &HashMap::new()).unwrap();
        std::fs::write(dir.join(&file), bytes).unwrap();
        let py = torch::module_definition(&p, &file);
        std::fs::write(dir.join(format!("{}-pytorch.py", r.name)), py).unwrap();
    }

    // The shipped classifier, its PyTorch file, an input and our logits for it.
    let mut p = Params::default();
    let cls = FeatureClassifier::new(&mut p, &mut Rng::new(0), &Device::Cpu);
    let bytes =
        std::fs::read(shipped::weights_dir().join("feature-classifier.safetensors")).unwrap();
    weights::load_into(&mut p, &bytes, &Device::Cpu).unwrap();
    let rows: Vec<Vec<f32>> = [0, 17, 301, 1234, 4031]
        .iter()
        .map(|&i| avatar_input(&Avatar::from_index(i)))
        .collect();
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let x = rows_tensor(&rows, rows[0].len(), &Device::Cpu).unwrap();
    let logits = cls.logits(&vars, &tape.leaf(x.clone())).unwrap().value();
    std::fs::write(
        dir.join("feature-classifier.safetensors"),
        torch::export(&p, &HashMap::new()).unwrap(),
    )
    .unwrap();
    let io = weights::to_bytes(
        &[
            ("x".into(), x.shape().to_vec(), x.cpu_values().unwrap()),
            (
                "logits".into(),
                logits.shape().to_vec(),
                logits.cpu_values().unwrap(),
            ),
        ],
        &HashMap::new(),
    )
    .unwrap();
    std::fs::write(dir.join("feature-classifier.io.safetensors"), io).unwrap();

    let script = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("tests/python/check_torch_export.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "running {}: {e} (`cargo xtask test` sets up Python)",
                python()
            )
        });
    let _ = std::fs::remove_dir_all(&dir);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the Python check failed (it needs numpy and safetensors: `cargo xtask test` sets them up, or set GENLAB_PYTHON):\n{said}"
    );
    assert!(said.contains("numpy forward matches"), "{said}");
    assert_eq!(
        said.matches("load strictly").count(),
        zoo::all_recipes().count(),
        "{said}"
    );
}

#[test]
fn a_pytorch_file_loads_back_and_a_bad_one_names_the_first_mismatch() {
    for name in [
        "jar-ae",
        "avatar-unet",
        "names-gpt",
        "rbm-avatars",
        "flow-ring-glow",
    ] {
        let (_, p) = shipped::shipped(name, &Device::Cpu);
        let file = torch::export(&p, &HashMap::new()).unwrap();
        let (_, mut q) = zoo::recipe(name).unwrap().build(&Device::Cpu);
        let meta = weights::load_into(&mut q, &file, &Device::Cpu).unwrap();
        assert_eq!(meta["layout"], "pytorch");
        for ((n, a), b) in p.names.iter().zip(&p.values).zip(&q.values) {
            assert_eq!(a.shape(), b.shape(), "{name}: {n}");
            assert!(
                a.cpu_values() == b.cpu_values(),
                "{name}: {n} differs after the round trip"
            );
        }
    }
    // Another network's file is refused, naming the first tensor that does not fit.
    let (_, jar) = shipped::shipped("jar-ae", &Device::Cpu);
    let file = torch::export(&jar, &HashMap::new()).unwrap();
    let (_, mut vae) = zoo::recipe("avatar-vae").unwrap().build(&Device::Cpu);
    let before: Vec<Vec<f32>> = vae.values.iter().map(|v| v.cpu_values().unwrap()).collect();
    let err = weights::load_into(&mut vae, &file, &Device::Cpu).unwrap_err();
    assert!(err.0.contains("tensor '"), "{err}");
    let after: Vec<Vec<f32>> = vae.values.iter().map(|v| v.cpu_values().unwrap()).collect();
    assert_eq!(before, after, "a refused file changes nothing");
}
