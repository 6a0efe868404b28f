//! The feature classifier: reads the five features of a 32×32 avatar, so that the people
//! any model generates can be counted against P_data. Trained on blurred as well as sharp
//! people, so it also reads the soft images decoders produce.

use super::autoencoder::{rows_tensor, split_rows, AVATAR_D};
use crate::autodiff::{Tape, Var};
use crate::data::avatar::{Avatar, CARDINALITIES};
use crate::data::draw;
use crate::data::Rng;
use crate::nn::layers::{Conv2d, ConvSpec};
use crate::nn::{cross_entropy, one_hot, Linear, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};

/// Reads the five features of a 32×32 avatar: three stride-2 convolutions and one linear
/// layer giving 3 + 8 + 4 + 6 + 7 = 28 logits, a softmax per feature.
#[derive(Clone, Debug)]
pub struct FeatureClassifier {
    convs: [Conv2d; 3],
    head: Linear,
}

const CLS_CH: [usize; 4] = [3, 16, 32, 32];
pub const N_LOGITS: usize = 28;

impl FeatureClassifier {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let convs = [0, 1, 2].map(|i| {
            Conv2d::new(
                p,
                &format!("cls.conv{i}"),
                ConvSpec::halving(CLS_CH[i], CLS_CH[i + 1]),
                rng,
                dev,
            )
        });
        let head = Linear::new(p, "cls.head", CLS_CH[3] * 16, N_LOGITS, rng, dev);
        FeatureClassifier { convs, head }
    }

    /// `[N, 28]` logits for flattened avatar images `[N, 3·32·32]`.
    pub fn logits<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let n = x.shape()[0];
        let mut h = x.reshape(&[n, 3, draw::SIZE, draw::SIZE])?;
        for c in &self.convs {
            h = c.forward(p, &h)?.unary(UnaryOp::Silu, 0.0)?;
        }
        self.head.forward(p, &h.reshape(&[n, CLS_CH[3] * 16])?)
    }

    /// Sum over the five features of the cross-entropy, averaged over the batch.
    pub fn loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        x: Tensor,
        people: &[Avatar],
    ) -> Result<Var<'t>> {
        let dev = x.device();
        let logits = self.logits(p, &tape.leaf(x))?;
        let mut total: Option<Var<'t>> = None;
        let mut start = 0;
        for (f, &k) in CARDINALITIES.iter().enumerate() {
            let labels: Vec<usize> = people.iter().map(|a| a.get(f)).collect();
            let y = tape.leaf(one_hot(&labels, k, &dev));
            let ce = cross_entropy(&logits.narrow(1, start, k)?, &y)?;
            total = Some(match total {
                Some(t) => t.add(&ce)?,
                None => ce,
            });
            start += k;
        }
        Ok(total.expect("five features"))
    }

    /// The most likely value of each feature, for each image, on the CPU.
    pub fn predict_cpu(&self, params: &Params, xs: &[Vec<f32>]) -> Result<Vec<[usize; 5]>> {
        if xs.is_empty() {
            return Ok(Vec::new());
        }
        let tape = Tape::new();
        let p = params.bind(&tape);
        let x = tape.leaf(rows_tensor(xs, AVATAR_D, &Device::Cpu)?);
        let rows = split_rows(&self.logits(&p, &x)?.value());
        Ok(rows
            .iter()
            .map(|r| {
                let mut out = [0; 5];
                let mut start = 0;
                for (f, &k) in CARDINALITIES.iter().enumerate() {
                    let seg = &r[start..start + k];
                    out[f] = (0..k)
                        .max_by(|&a, &b| seg[a].total_cmp(&seg[b]))
                        .expect("k > 0");
                    start += k;
                }
                out
            })
            .collect())
    }
}

/// A 3×3 box blur of a channel-first avatar image (training augmentation for the
/// classifier, so it can read the soft images decoders produce).
pub fn blur(x: &[f32]) -> Vec<f32> {
    let s = draw::SIZE;
    let mut out = vec![0.0; x.len()];
    for c in 0..3 {
        for y in 0..s {
            for xx in 0..s {
                let (mut acc, mut n) = (0.0, 0.0);
                for dy in -1i32..=1 {
                    for dx in -1i32..=1 {
                        let (yy, xs) = (y as i32 + dy, xx as i32 + dx);
                        if yy >= 0 && xs >= 0 && (yy as usize) < s && (xs as usize) < s {
                            acc += x[c * s * s + yy as usize * s + xs as usize];
                            n += 1.0;
                        }
                    }
                }
                out[c * s * s + y * s + xx] = acc / n;
            }
        }
    }
    out
}
