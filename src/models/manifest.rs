//! The JSON manifest beside each shipped weights file: which recipe, seed and number of
//! steps produced it, on which data set, and the file's size and checksum, so tests can
//! tell a stale or hand-edited file from the one `cargo xtask train` writes.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub model: String,
    pub seed: u64,
    pub steps: u64,
    /// The file a run went on from (`--init`): its path, step and checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<String>,
    pub batch: usize,
    pub lr: f32,
    pub beta: f32,
    pub final_loss: f32,
    /// Decay of the weights' moving average, where the recipe keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema: Option<f32>,
    pub dataset: String,
    pub bytes: usize,
    /// FNV-1a 64 of the weights file, 16 hex digits.
    pub fnv1a64: String,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, String> {
        serde_json::from_str(text).map_err(|e| format!("bad weights manifest: {e}"))
    }

    /// Pretty JSON with a final newline, keys in the order above.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::Manifest;

    #[test]
    fn round_trips_and_reads_the_shipped_form() {
        let shipped = r#"{
  "model": "avatar-unet",
  "seed": 12,
  "steps": 17590,
  "init": "www/weights/avatar-unet.safetensors at step 9110 (fnv1a64 bf0436ff514072c6)",
  "batch": 32,
  "lr": 0.001,
  "beta": 0,
  "final_loss": 0.027575405,
  "ema": 0.995,
  "dataset": "avatar-world-1",
  "bytes": 529284,
  "fnv1a64": "d7892a5d7f18a214"
}
"#;
        let m = Manifest::parse(shipped).unwrap();
        assert_eq!((m.steps, m.batch, m.ema), (17590, 32, Some(0.995)));
        assert_eq!(m.final_loss, 0.027575405);
        assert_eq!(Manifest::parse(&m.to_json()).unwrap(), m);
        let plain = Manifest {
            init: None,
            ema: None,
            ..m
        };
        let text = plain.to_json();
        assert!(!text.contains("init") && !text.contains("ema"), "{text}");
        assert!(text.ends_with("}\n"));
        assert!(Manifest::parse("{\"model\": 1}")
            .unwrap_err()
            .contains("bad weights manifest"));
    }
}
