//! Layers beyond `Linear`: convolutions (and PixelCNN's masked ones), upsampling, normalisation, embedding, dropout and
//! multi-head self-attention, all composed from autodiff ops (so both backends and every
//! derivative come for free).

use super::torch::TorchModule;
use super::{init_uniform, Params};
use crate::autodiff::Var;
use crate::data::Rng;
use crate::tensor::{BinaryOp, Device, ReduceOp, Result, ShapeError, Tensor, UnaryOp};

/// The shape of a convolution layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvSpec {
    pub cin: usize,
    pub cout: usize,
    /// Square kernel side.
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl ConvSpec {
    /// A 4×4 kernel, stride 2, padding 1: halves the side (or, transposed, doubles it).
    pub fn halving(cin: usize, cout: usize) -> ConvSpec {
        ConvSpec {
            cin,
            cout,
            k: 4,
            stride: 2,
            pad: 1,
        }
    }
}

/// Weight and bias of a convolution-like layer, initialised by its fan-in.
fn conv_params(
    p: &mut Params,
    name: &str,
    weight_shape: [usize; 4],
    s: &ConvSpec,
    rng: &mut Rng,
    dev: &Device,
) -> (usize, usize) {
    let fan_in = s.cin * s.k * s.k;
    let w = p.add(
        format!("{name}.weight"),
        init_uniform(&weight_shape, fan_in, rng, dev),
    );
    let b = p.add(
        format!("{name}.bias"),
        init_uniform(&[s.cout], fan_in, rng, dev),
    );
    (w, b)
}

/// 2-D convolution, weights [out, in, k, k], input [N, in, H, W] → [N, out, OH, OW].
#[derive(Clone, Copy, Debug)]
pub struct Conv2d {
    pub w: usize,
    pub b: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl Conv2d {
    pub fn new(p: &mut Params, name: &str, s: ConvSpec, rng: &mut Rng, dev: &Device) -> Conv2d {
        let (w, b) = conv_params(p, name, [s.cout, s.cin, s.k, s.k], &s, rng, dev);
        p.module(
            name,
            TorchModule::Conv2d {
                cin: s.cin,
                cout: s.cout,
                k: s.k,
                stride: s.stride,
                pad: s.pad,
            },
        );
        Conv2d {
            w,
            b,
            k: s.k,
            stride: s.stride,
            pad: s.pad,
        }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        self.forward_with(&p[self.w], &p[self.b], x)
    }

    /// The convolution with weights `w` (this layer's, or a function of them).
    fn forward_with<'t>(&self, w: &Var<'t>, b: &Var<'t>, x: &Var<'t>) -> Result<Var<'t>> {
        let ws = w.shape();
        let xs = x.shape();
        let (n, cout) = (xs[0], ws[0]);
        let cols = x.unfold(self.k, self.k, self.stride, self.pad)?; // [N, cin·k·k, L]
        let l = cols.shape()[2];
        let wm = w.reshape(&[cout, ws[1] * self.k * self.k])?;
        let y = wm.matmul(&cols)?.add(&b.reshape(&[cout, 1])?)?; // [N, cout, L]
        let oh = (xs[2] + 2 * self.pad - self.k) / self.stride + 1;
        y.reshape(&[n, cout, oh, l / oh])
    }
}

/// Which pixels a masked convolution's kernel may see, in raster order (PixelCNN): the
/// rows above the centre and the pixels left of it; type A hides the centre too (a first
/// layer: a pixel never sees itself), type B lets it through (the layers after).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskType {
    A,
    B,
}

/// A same-size convolution (odd kernel, stride 1) whose kernel is multiplied by a fixed
/// causal mask, so the gradient of a masked weight is zero and the output at a pixel
/// depends only on pixels before it in raster order.
#[derive(Clone, Copy, Debug)]
pub struct MaskedConv2d {
    pub conv: Conv2d,
    pub mask: MaskType,
}

impl MaskedConv2d {
    pub fn new(
        p: &mut Params,
        name: &str,
        cin: usize,
        cout: usize,
        k: usize,
        mask: MaskType,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        assert!(k % 2 == 1, "a masked convolution needs an odd kernel");
        let s = ConvSpec {
            cin,
            cout,
            k,
            stride: 1,
            pad: k / 2,
        };
        MaskedConv2d {
            conv: Conv2d::new(p, name, s, rng, dev),
            mask,
        }
    }

    /// The mask, k × k, row by row: 1 where the kernel may look.
    pub fn mask_values(k: usize, mask: MaskType) -> Vec<f32> {
        let c = k / 2;
        (0..k * k)
            .map(|i| {
                let (r, col) = (i / k, i % k);
                let open = r < c || (r == c && (col < c || (col == c && mask == MaskType::B)));
                open as u8 as f32
            })
            .collect()
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let k = self.conv.k;
        let w = &p[self.conv.w];
        let mask = Tensor::new(
            Self::mask_values(k, self.mask),
            &[1, 1, k, k],
            &w.value().device(),
        )?;
        let masked = w.mul(&w.tape().leaf(mask))?;
        self.conv.forward_with(&masked, &p[self.conv.b], x)
    }
}

/// Transposed 2-D convolution (the adjoint of a convolution's input map): weights
/// [in, out, k, k], input [N, in, H, W] → [N, out, (H−1)·stride − 2·pad + k, …].
#[derive(Clone, Copy, Debug)]
pub struct ConvTranspose2d {
    pub w: usize,
    pub b: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl ConvTranspose2d {
    pub fn new(p: &mut Params, name: &str, s: ConvSpec, rng: &mut Rng, dev: &Device) -> Self {
        let (w, b) = conv_params(p, name, [s.cin, s.cout, s.k, s.k], &s, rng, dev);
        p.module(
            name,
            TorchModule::ConvTranspose2d {
                cin: s.cin,
                cout: s.cout,
                k: s.k,
                stride: s.stride,
                pad: s.pad,
            },
        );
        ConvTranspose2d {
            w,
            b,
            k: s.k,
            stride: s.stride,
            pad: s.pad,
        }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let xs = x.shape();
        let ws = p[self.w].shape();
        let (n, cin, h, w, cout) = (xs[0], xs[1], xs[2], xs[3], ws[1]);
        let (oh, ow) = (
            (h - 1) * self.stride + self.k - 2 * self.pad,
            (w - 1) * self.stride + self.k - 2 * self.pad,
        );
        let wm = p[self.w]
            .reshape(&[cin, cout * self.k * self.k])?
            .transpose(0, 1)?; // [cout·k·k, cin]
        let cols = wm.matmul(&x.reshape(&[n, cin, h * w])?)?; // [N, cout·k·k, H·W]
        let y = cols.fold(&[n, cout, oh, ow], self.k, self.k, self.stride, self.pad)?;
        y.add(&p[self.b].reshape(&[cout, 1, 1])?)
    }
}

/// Nearest-neighbour upsampling by an integer factor: [N, C, H, W] → [N, C, fH, fW].
pub fn upsample<'t>(x: &Var<'t>, f: usize) -> Result<Var<'t>> {
    let s = x.shape();
    let (n, c, h, w) = (s[0], s[1], s[2], s[3]);
    x.reshape(&[n, c, h, 1, w, 1])?
        .broadcast_to(&[n, c, h, f, w, f])?
        .reshape(&[n, c, h * f, w * f])
}

/// Layer norm over the last axis, with a learned gain and bias.
#[derive(Clone, Copy, Debug)]
pub struct LayerNorm {
    pub gain: usize,
    pub bias: usize,
    pub eps: f32,
}

impl LayerNorm {
    pub fn new(p: &mut Params, name: &str, dim: usize, dev: &Device) -> Self {
        let gain = p.add(format!("{name}.weight"), Tensor::full(1.0, &[dim], dev));
        let bias = p.add(format!("{name}.bias"), Tensor::zeros(&[dim], dev));
        p.module(name, TorchModule::LayerNorm { dim });
        LayerNorm {
            gain,
            bias,
            eps: 1e-5,
        }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        x.standardise(self.eps)?
            .mul(&p[self.gain])?
            .add(&p[self.bias])
    }
}

/// Group norm on [N, C, H, W]: statistics over each group of C/G channels and all pixels.
#[derive(Clone, Copy, Debug)]
pub struct GroupNorm {
    pub groups: usize,
    pub gain: usize,
    pub bias: usize,
    pub eps: f32,
}

impl GroupNorm {
    pub fn new(p: &mut Params, name: &str, groups: usize, channels: usize, dev: &Device) -> Self {
        let gain = p.add(
            format!("{name}.weight"),
            Tensor::full(1.0, &[channels, 1, 1], dev),
        );
        let bias = p.add(
            format!("{name}.bias"),
            Tensor::zeros(&[channels, 1, 1], dev),
        );
        p.module(name, TorchModule::GroupNorm { groups, channels });
        GroupNorm {
            groups,
            gain,
            bias,
            eps: 1e-5,
        }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        let s = x.shape();
        let (n, c, h, w) = (s[0], s[1], s[2], s[3]);
        if c % self.groups != 0 {
            return Err(ShapeError(format!(
                "{c} channels do not split into {} groups",
                self.groups
            ))
            .into());
        }
        let g = x.reshape(&[n, self.groups, (c / self.groups) * h * w])?;
        g.standardise(self.eps)?
            .reshape(&[n, c, h, w])?
            .mul(&p[self.gain])?
            .add(&p[self.bias])
    }
}

/// A table of learned vectors, looked up by index.
#[derive(Clone, Copy, Debug)]
pub struct Embedding {
    pub table: usize,
}

impl Embedding {
    pub fn new(
        p: &mut Params,
        name: &str,
        count: usize,
        dim: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        Self::scaled(p, name, count, dim, 1.0, rng, dev)
    }

    /// Rows drawn from N(0, scale²): the values are drawn and scaled on the CPU before
    /// they reach `dev`, so every device starts from the same table.
    pub fn scaled(
        p: &mut Params,
        name: &str,
        count: usize,
        dim: usize,
        scale: f32,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        let n = count * dim;
        let v = (0..n).map(|_| scale * rng.normal() as f32).collect();
        p.module(name, TorchModule::Embedding { count, dim });
        Embedding {
            table: p.add(
                format!("{name}.weight"),
                Tensor::new(v, &[count, dim], dev).expect("sizes agree"),
            ),
        }
    }

    /// `idx` holds whole numbers as f32, on the table's device.
    pub fn forward<'t>(&self, p: &[Var<'t>], idx: &Tensor) -> Result<Var<'t>> {
        p[self.table].gather_rows(idx)
    }
}

/// Inverted dropout: zero each element with probability `rate`, scale the rest by
/// 1/(1 − rate); the mask comes from the device's counter-based generator and `seed`.
pub fn dropout<'t>(x: &Var<'t>, rate: f32, seed: u64) -> Result<Var<'t>> {
    if rate <= 0.0 {
        return Ok(*x);
    }
    let v = x.value();
    let keep = Tensor::random(v.shape(), seed, false, &v.device())
        .binary(BinaryOp::Gt, &Tensor::full(rate, &[], &v.device()))?;
    let zero = x.scale(0.0)?;
    Var::where_(&keep, &x.scale(1.0 / (1.0 - rate))?, &zero)
}

/// Multi-head self-attention over [B, T, D] with optional causal masking.
#[derive(Clone, Debug)]
pub struct SelfAttention {
    pub qkv: super::Linear,
    pub out: super::Linear,
    pub heads: usize,
    pub causal: bool,
}

impl SelfAttention {
    pub fn new(
        p: &mut Params,
        name: &str,
        dim: usize,
        heads: usize,
        causal: bool,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        SelfAttention {
            qkv: super::Linear::new(p, &format!("{name}.qkv"), dim, 3 * dim, rng, dev),
            out: super::Linear::new(p, &format!("{name}.out"), dim, dim, rng, dev),
            heads,
            causal,
        }
    }

    /// Returns the output [B, T, D] and the attention weights [B, heads, T, T].
    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Var<'t>)> {
        let s = x.shape();
        let (b, t, d) = (s[0], s[1], s[2]);
        let hd = d / self.heads;
        if hd * self.heads != d {
            return Err(ShapeError(format!(
                "dimension {d} does not split into {} heads",
                self.heads
            ))
            .into());
        }
        let qkv = self.qkv.forward(p, x)?; // [B, T, 3D]
        let split = |i: usize| -> Result<Var<'t>> {
            qkv.narrow(2, i * d, d)?
                .reshape(&[b, t, self.heads, hd])?
                .transpose(1, 2) // [B, H, T, hd]
        };
        let (q, k, v) = (split(0)?, split(1)?, split(2)?);
        let mut scores = q
            .matmul(&k.transpose(2, 3)?)?
            .scale(1.0 / (hd as f32).sqrt())?; // [B, H, T, T]
        if self.causal {
            let dev = x.value().device();
            let mask: Vec<f32> = (0..t * t)
                .map(|i| if i % t <= i / t { 1.0 } else { 0.0 })
                .collect();
            let mask = Tensor::new(mask, &[t, t], &dev)?;
            let neg = scores.scale(0.0)?.unary(UnaryOp::AddScalar, -1e9)?;
            scores = Var::where_(&mask, &scores, &neg)?;
        }
        let attn = scores.softmax(3)?;
        let y = attn.matmul(&v)?.transpose(1, 2)?.reshape(&[b, t, d])?;
        Ok((self.out.forward(p, &y)?, attn))
    }
}

/// Arg-max along the last axis, for accuracy and sampling at temperature 0.
pub fn argmax_last(x: &Tensor) -> Result<Tensor> {
    x.reduce(ReduceOp::ArgMax, x.shape().len() - 1)
}
