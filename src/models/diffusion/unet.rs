//! The conditional U-Net for 32×32 avatars and its schedule.

use super::sample::EpsModel;
use super::schedule::{eps_from_v, time_embedding, Schedule, ScheduleKind};
use crate::autodiff::{Tape, Var};
use crate::data::avatar::CARDINALITIES;
use crate::data::Rng;
use crate::nn::layers::{upsample, Conv2d, ConvSpec, Embedding, GroupNorm, SelfAttention};
use crate::nn::{Linear, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};

/// A residual block: GroupNorm, SiLU, 3×3 conv, + the time/condition vector, GroupNorm,
/// SiLU, 3×3 conv; a 1×1 conv on the skip path when the width changes.
#[derive(Clone, Debug)]
struct ResBlock {
    n1: GroupNorm,
    c1: Conv2d,
    emb: Linear,
    n2: GroupNorm,
    c2: Conv2d,
    skip: Option<Conv2d>,
}

fn conv(cin: usize, cout: usize, k: usize, stride: usize) -> ConvSpec {
    ConvSpec {
        cin,
        cout,
        k,
        stride,
        pad: if k == 4 { 1 } else { k / 2 },
    }
}

fn groups(c: usize) -> usize {
    if c % 8 == 0 {
        8
    } else {
        4
    }
}

impl ResBlock {
    fn new(
        p: &mut Params,
        name: &str,
        cin: usize,
        cout: usize,
        edim: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        ResBlock {
            n1: GroupNorm::new(p, &format!("{name}.norm1"), groups(cin), cin, dev),
            c1: Conv2d::new(p, &format!("{name}.conv1"), conv(cin, cout, 3, 1), rng, dev),
            emb: Linear::new(p, &format!("{name}.emb"), edim, cout, rng, dev),
            n2: GroupNorm::new(p, &format!("{name}.norm2"), groups(cout), cout, dev),
            c2: Conv2d::new(
                p,
                &format!("{name}.conv2"),
                conv(cout, cout, 3, 1),
                rng,
                dev,
            ),
            skip: (cin != cout)
                .then(|| Conv2d::new(p, &format!("{name}.skip"), conv(cin, cout, 1, 1), rng, dev)),
        }
    }

    fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>, e: &Var<'t>) -> Result<Var<'t>> {
        let silu = |v: Var<'t>| v.unary(UnaryOp::Silu, 0.0);
        let h = self.c1.forward(p, &silu(self.n1.forward(p, x)?)?)?;
        let n = e.shape()[0];
        let c = h.shape()[1];
        let h = h.add(&self.emb.forward(p, e)?.reshape(&[n, c, 1, 1])?)?;
        let h = self.c2.forward(p, &silu(self.n2.forward(p, &h)?)?)?;
        let s = match &self.skip {
            Some(k) => k.forward(p, x)?,
            None => *x,
        };
        h.add(&s)
    }
}

/// Diffusion steps of the avatar U-Net.
pub const T_UNET: usize = 1000;

/// The schedule of the avatar U-Net: cosine, T = 1000.
pub fn schedule_unet() -> &'static Schedule {
    static S: std::sync::OnceLock<Schedule> = std::sync::OnceLock::new();
    S.get_or_init(|| Schedule::new(ScheduleKind::Cosine, T_UNET))
}

/// Channel widths at 32×32, 16×16 and 8×8.
pub const UNET_CH: [usize; 3] = [16, 32, 32];
const EMB: usize = 64;

/// v(x_t, t, features) (see [`v_target`]): a U-Net with one residual block per resolution
/// on the way down and up, skip connections by concatenation, self-attention at 8×8, and a
/// time + feature embedding added in every block. Each feature has one extra "no condition"
/// token. As an [`EpsModel`] it hands samplers ε, computed from v by [`eps_from_v`].
#[derive(Clone, Debug)]
pub struct Unet {
    t1: Linear,
    t2: Linear,
    feats: Vec<Embedding>,
    stem: Conv2d,
    d0: ResBlock,
    down1: Conv2d,
    d1: ResBlock,
    down2: Conv2d,
    mid: ResBlock,
    attn_norm: GroupNorm,
    attn: SelfAttention,
    u1: ResBlock,
    u0: ResBlock,
    out_norm: GroupNorm,
    out: Conv2d,
}

impl Unet {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let [c0, c1, c2] = UNET_CH;
        Unet {
            t1: Linear::new(p, "time.0", EMB, EMB, rng, dev),
            t2: Linear::new(p, "time.1", EMB, EMB, rng, dev),
            feats: (0..5)
                .map(|f| {
                    // Small initial condition vectors: training starts close to unconditional.
                    let name = format!("feature{f}");
                    Embedding::scaled(p, &name, CARDINALITIES[f] + 1, EMB, 0.1, rng, dev)
                })
                .collect(),
            stem: Conv2d::new(p, "stem", conv(3, c0, 3, 1), rng, dev),
            d0: ResBlock::new(p, "down0", c0, c0, EMB, rng, dev),
            down1: Conv2d::new(p, "down1.conv", conv(c0, c1, 4, 2), rng, dev),
            d1: ResBlock::new(p, "down1", c1, c1, EMB, rng, dev),
            down2: Conv2d::new(p, "down2.conv", conv(c1, c2, 4, 2), rng, dev),
            mid: ResBlock::new(p, "mid", c2, c2, EMB, rng, dev),
            attn_norm: GroupNorm::new(p, "mid.attn_norm", groups(c2), c2, dev),
            attn: SelfAttention::new(p, "mid.attn", c2, 2, false, rng, dev),
            u1: ResBlock::new(p, "up1", c2 + c1, c1, EMB, rng, dev),
            u0: ResBlock::new(p, "up0", c1 + c0, c0, EMB, rng, dev),
            out_norm: GroupNorm::new(p, "out.norm", groups(c0), c0, dev),
            out: Conv2d::new(p, "out.conv", conv(c0, 3, 3, 1), rng, dev),
        }
    }

    /// `x` `[N, 3, 32, 32]` in [−1, 1]; `ts` one timestep per row; `cond` one row of
    /// feature values per row (`None` = the no-condition token).
    pub fn forward<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        x: &Var<'t>,
        ts: &[f64],
        cond: &[[Option<u8>; 5]],
    ) -> Result<Var<'t>> {
        let dev = x.value().device();
        let n = x.shape()[0];
        let silu = |v: Var<'t>| v.unary(UnaryOp::Silu, 0.0);
        let mut e = self.t2.forward(
            p,
            &silu(
                self.t1
                    .forward(p, &tape.leaf(time_embedding(ts, EMB, &dev)?))?,
            )?,
        )?;
        for (f, emb) in self.feats.iter().enumerate() {
            let idx: Vec<f32> = (0..n)
                .map(|i| {
                    cond.get(i)
                        .and_then(|c| c[f])
                        .map_or(CARDINALITIES[f], |v| v as usize) as f32
                })
                .collect();
            e = e.add(&emb.forward(p, &Tensor::new(idx, &[n], &dev)?)?)?;
        }
        let e = silu(e)?;
        let h0 = self.d0.forward(p, &self.stem.forward(p, x)?, &e)?; // 32×32
        let h1 = self.d1.forward(p, &self.down1.forward(p, &h0)?, &e)?; // 16×16
        let h2 = self.mid.forward(p, &self.down2.forward(p, &h1)?, &e)?; // 8×8
        let c2 = h2.shape()[1];
        let tokens = self
            .attn_norm
            .forward(p, &h2)?
            .reshape(&[n, c2, 64])?
            .transpose(1, 2)?; // [N, 64, C]
        let (a, _) = self.attn.forward(p, &tokens)?;
        let h2 = h2.add(&a.transpose(1, 2)?.reshape(&[n, c2, 8, 8])?)?;
        let u = self
            .u1
            .forward(p, &Var::concat(&[upsample(&h2, 2)?, h1], 1)?, &e)?; // 16×16
        let u = self
            .u0
            .forward(p, &Var::concat(&[upsample(&u, 2)?, h0], 1)?, &e)?; // 32×32
        self.out.forward(p, &silu(self.out_norm.forward(p, &u)?)?)
    }
}

impl EpsModel for Unet {
    fn eps(
        &self,
        params: &Params,
        x: &Tensor,
        t: usize,
        cond: &[[Option<u8>; 5]],
    ) -> Result<Tensor> {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let n = x.shape()[0];
        let v = self
            .forward(&tape, &p, &tape.leaf(x.clone()), &vec![t as f64; n], cond)?
            .value();
        eps_from_v(schedule_unet(), x, &v, t)
    }
}
