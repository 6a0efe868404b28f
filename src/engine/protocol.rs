//! The one protocol between the page (UI thread) and the engine (its dedicated worker):
//! what the page asks ([`Request`]) and what the engine tells it ([`Reply`]). Both travel as
//! one postcard-encoded byte buffer per message (transferred, never copied element by
//! element). Models are named by their recipe in `models::zoo`, so a new model needs no
//! new variant here; only a new kind of command does.

pub use crate::models::sampling::SampleSpec;
use serde::{Deserialize, Serialize};

/// What the page asks the engine to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Use WebGPU when there is a device (the badge's switch); running jobs move at their
    /// next chunk.
    PreferGpu(bool),
    /// Test hook: the GPU device behaves as if it had been lost.
    SimulateGpuLoss,
    /// Use these weights (a safetensors file) for `model`, ending any job it has.
    SetWeights { model: String, bytes: Vec<u8> },
    /// Train `model` from fresh weights (initialised from `seed`) for `steps` steps, with
    /// KL weight `beta` where the model has one (`None`: its recipe's), and the reader's
    /// `options` where the network takes settings (`zoo::Options`: a GAN's learning rates,
    /// the points of a drawn distribution; empty: the recipe's network as it is).
    Train {
        model: String,
        steps: u64,
        beta: Option<f32>,
        seed: u64,
        options: Vec<(String, Vec<f32>)>,
    },
    /// Go on with `model`'s training for `steps` steps that update only the parts named in
    /// `only` (a GAN's "D" or "G"; empty: every part), then stop: the one-step buttons.
    Step {
        model: String,
        steps: u64,
        only: Vec<String>,
    },
    /// Stop `model`'s training at the end of the current chunk; `Resume` goes on exactly.
    Pause { model: String },
    /// Go on training `model` until step `total`.
    Resume { model: String, total: u64 },
    /// Sample with `model`'s current weights, step by step, reporting progress as `job`.
    Sample {
        job: u64,
        model: String,
        what: SampleSpec,
    },
    /// Stop sampling `job`.
    Cancel { job: u64 },
    /// Run a named function of `model`'s current weights on rows of numbers (e.g. an
    /// autoencoder's "decode", the classifier's "classify": `zoo::Model::call`), answered
    /// by `Called` with the same `id`.
    Call {
        id: u64,
        model: String,
        function: String,
        rows: Vec<Vec<f32>>,
        args: Vec<f64>,
    },
    /// `model`'s current weights in PyTorch's module layout, answered by `Exported`.
    Export { model: String },
}

/// Which compute path the engine found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Detected {
    Pending,
    /// A device is open; a short description of the adapter.
    Gpu(String),
    /// No usable device, and why.
    NoGpu(String),
}

/// Where a training job stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum JobStatus {
    Idle,
    Running,
    Paused,
    Done,
    Failed(String),
}

/// One point of a loss curve: step, loss, and the values of the named parts.
pub type Point = (u64, f32, Vec<f32>);

/// What the engine tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The compute path (sent once the engine has started, and again when it changes).
    Device(Detected),
    /// A training job moved on: its new loss-curve points and where it stands.
    Progress {
        model: String,
        step: u64,
        total: u64,
        /// Steps per second over the last chunk.
        rate: f64,
        /// "on WebGPU" or "on the CPU".
        device: String,
        part_names: Vec<String>,
        points: Vec<Point>,
    },
    /// `model`'s weights trained here, at step `at` (a safetensors file).
    Weights {
        model: String,
        at: u64,
        bytes: Vec<u8>,
    },
    Status {
        model: String,
        status: JobStatus,
    },
    /// The engine now uses the weights the page gave for `model` (`SetWeights`); the
    /// file's metadata (training steps, β, …), sorted by key.
    WeightsTaken {
        model: String,
        metadata: Vec<(String, String)>,
    },
    /// The weights the page gave for `model` (`SetWeights`) do not fit it: why. The engine
    /// keeps the ones it had.
    WeightsRefused {
        model: String,
        why: String,
    },
    /// Something the reader should know about `model`'s job. `rolled_back_to`: the loss
    /// curve must forget the points after this step (the GPU was lost mid-chunk).
    Notice {
        model: String,
        text: String,
        rolled_back_to: Option<u64>,
    },
    /// A sampling job moved on; `images` (RGB bytes, one per sample) when there is a new
    /// preview.
    Sampling {
        job: u64,
        news: SampleNews,
    },
    /// A sampling job has ended: its last `Sampling` carried the samples' images; these
    /// are their values in [−1, 1], for the page's readouts.
    Sampled {
        job: u64,
        values: Vec<f32>,
    },
    /// A sampling job ended without samples (cancelled, or failed: why).
    SampleEnded {
        job: u64,
        why: String,
    },
    /// The answer to `Call` `id`: the output rows, or why there are none.
    Called {
        id: u64,
        result: Result<Vec<Vec<f32>>, String>,
    },
    /// `model`'s weights in PyTorch's layout (a safetensors file) and the Python that
    /// loads them; or why not.
    Exported {
        model: String,
        result: Result<(Vec<u8>, String), String>,
    },
    /// A request the engine could not carry out, in words.
    Error(String),
}

/// Where a sampling run stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleNews {
    /// Steps done, of `total`.
    pub done: usize,
    pub total: usize,
    /// "on WebGPU" or "on the CPU".
    pub device: String,
    pub secs: f64,
    /// A new preview (RGB bytes, one per sample), when there is one.
    pub images: Option<Vec<Vec<u8>>>,
    /// Something the reader should know (the GPU failed and the run started again).
    pub notice: Option<String>,
}

/// One message's bytes.
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_allocvec(msg).expect("protocol messages always serialise")
}

/// A message from its bytes; an error says what was wrong.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("a malformed engine message ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::diffusion::BENCH_JOB;

    #[test]
    fn messages_survive_the_round_trip() {
        let reqs = vec![
            Request::PreferGpu(true),
            Request::SetWeights {
                model: "avatar-vae".into(),
                bytes: vec![1, 2, 255],
            },
            Request::Train {
                model: "jar-ae".into(),
                steps: 300,
                beta: Some(0.5),
                seed: 7,
                options: vec![("lr_d".into(), vec![0.01])],
            },
            Request::Step {
                model: "gan-ring".into(),
                steps: 1,
                only: vec!["D".into()],
            },
            Request::Sample {
                job: 3,
                model: "avatar-unet".into(),
                what: SampleSpec::Images(BENCH_JOB),
            },
            Request::Export {
                model: "jar-ae".into(),
            },
        ];
        for r in reqs {
            assert_eq!(decode::<Request>(&encode(&r)).unwrap(), r);
        }
        let rep = Reply::Progress {
            model: "avatar-vae".into(),
            step: 10,
            total: 20,
            rate: 3.5,
            device: "on the CPU".into(),
            part_names: vec!["recon".into(), "kl".into()],
            points: vec![(9, 1.5, vec![1.0, 0.5]), (10, 1.25, vec![0.75, 0.5])],
        };
        assert_eq!(decode::<Reply>(&encode(&rep)).unwrap(), rep);
        let exported = Reply::Exported {
            model: "jar-ae".into(),
            result: Ok((vec![1, 2, 3], "net = Node({})".into())),
        };
        assert_eq!(decode::<Reply>(&encode(&exported)).unwrap(), exported);
    }

    #[test]
    fn bytes_travel_as_bytes_and_garbage_is_refused() {
        let big = Request::SetWeights {
            model: "m".into(),
            bytes: vec![7; 100_000],
        };
        // One byte per byte, plus a few of framing: never a number per element.
        assert!(encode(&big).len() < 100_016);
        assert!(decode::<Request>(&[250, 250, 250]).is_err());
    }
}
