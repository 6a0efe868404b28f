//! Lesson 7's PixelCNN: Avatar World's people as 32×32 pictures in the palette they are
//! drawn with (each pixel one symbol of [`N_PALETTE`]), modelled pixel by pixel in raster
//! order. A type-A masked convolution (a pixel never sees itself), residual type-B masked
//! convolutions, and a 1×1 convolution to the logits of each pixel's colour: the output
//! at a pixel depends only on the pixels before it, so
//! log p(image) = Σᵢ log p(xᵢ | x₁ … xᵢ₋₁) is exact and one pass gives every term.
//! Each pixel is also told its own row and column (two coordinate channels through a 1×1
//! convolution, as the transformer adds position embeddings): what it sees reaches only
//! a few rows up, and on a blank background only its position says where a head belongs.
//!
//! Also the per-pixel independent model on the same palette (lesson 3's idea), the
//! baseline the PixelCNN's bits per pixel are measured against.

use crate::autodiff::{Tape, Var};
use crate::data::draw::{palette_indices, N_PALETTE, SIZE};
use crate::data::{Avatar, PData, Rng};
use crate::models::autoregressive::softmax;
use crate::nn::layers::{Conv2d, ConvSpec, MaskType, MaskedConv2d};
use crate::nn::{cross_entropy_over, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};

/// Pixels in an image.
pub const PIXELS: usize = SIZE * SIZE;

/// The PixelCNN: masked convolutions of `width` channels.
#[derive(Clone, Debug)]
pub struct PixelCnn {
    pub first: MaskedConv2d,
    /// The pixel's own row and column, into the first layer's channels.
    pub position: Conv2d,
    pub blocks: Vec<MaskedConv2d>,
    pub out: Conv2d,
}

impl PixelCnn {
    /// A 5×5 type-A layer, `blocks` residual 3×3 type-B layers, `width` channels.
    pub fn new(p: &mut Params, width: usize, blocks: usize, rng: &mut Rng, dev: &Device) -> Self {
        let first = MaskedConv2d::new(p, "first", N_PALETTE, width, 5, MaskType::A, rng, dev);
        let position = Conv2d::new(
            p,
            "position",
            ConvSpec {
                cin: 2,
                cout: width,
                k: 1,
                stride: 1,
                pad: 0,
            },
            rng,
            dev,
        );
        let blocks = (0..blocks)
            .map(|i| {
                MaskedConv2d::new(
                    p,
                    &format!("block{i}"),
                    width,
                    width,
                    3,
                    MaskType::B,
                    rng,
                    dev,
                )
            })
            .collect();
        let out = Conv2d::new(
            p,
            "out",
            ConvSpec {
                cin: width,
                cout: N_PALETTE,
                k: 1,
                stride: 1,
                pad: 0,
            },
            rng,
            dev,
        );
        PixelCnn {
            first,
            position,
            blocks,
            out,
        }
    }

    /// Rows of pixels above a pixel that its output can depend on.
    pub fn reach(&self) -> usize {
        self.first.conv.k / 2 + self.blocks.len()
    }

    /// Logits [N, N_PALETTE, H, W] of each pixel's colour given the pixels before it, for
    /// one-hot images [N, N_PALETTE, H, W].
    pub fn logits<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<Var<'t>> {
        self.logits_from(p, x, (0, 0))
    }

    /// [`PixelCnn::logits`] of a window of images whose top left pixel is `corner` (row,
    /// column) of the whole picture (`x` holds that window only).
    fn logits_from<'t>(
        &self,
        p: &[Var<'t>],
        x: &Var<'t>,
        corner: (usize, usize),
    ) -> Result<Var<'t>> {
        let (rows, cols) = (x.shape()[2], x.shape()[3]);
        let coords = x
            .tape()
            .leaf(coordinates(corner, rows, cols, &x.value().device())?);
        let mut h = self
            .first
            .forward(p, x)?
            .add(&self.position.forward(p, &coords)?)?;
        for b in &self.blocks {
            let a = h.unary(UnaryOp::Relu, 0.0)?;
            h = h.add(&b.forward(p, &a)?)?;
        }
        self.out.forward(p, &h.unary(UnaryOp::Relu, 0.0)?)
    }

    /// The logits [N, N_PALETTE] of pixel `px` of one-hot images `x` [N, N_PALETTE, 32, 32]
    /// (weights and images on one device), from a pass over only the window that pixel
    /// can see: the [`PixelCnn::reach`] rows above it and its own, and as many columns to
    /// either side. Exact: the window's false edges lie beyond the pixel's receptive field.
    pub fn logits_at(&self, p: &Params, x: &Tensor, px: usize) -> Result<Tensor> {
        let (row, col) = (px / SIZE, px % SIZE);
        let reach = self.reach();
        let top = row.saturating_sub(reach);
        let rows = row + 1 - top;
        let left = col.saturating_sub(reach);
        let cols = (col + reach + 1).min(SIZE) - left;
        let n = x.shape()[0];
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let crop = tape.leaf(x.narrow(2, top, rows)?.narrow(3, left, cols)?.contiguous());
        self.logits_from(&vars, &crop, (top, left))?
            .value()
            .narrow(2, rows - 1, 1)?
            .narrow(3, col - left, 1)?
            .reshape(&[n, N_PALETTE])
    }

    /// Mean nats per pixel on `images` (palette indices, row-major).
    pub fn loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        images: &[Vec<u8>],
        dev: &Device,
    ) -> Result<Var<'t>> {
        let x = tape.leaf(one_hot(images, SIZE, SIZE, dev));
        let logits = self.logits(p, &x)?;
        let n = images.len();
        // [N, K, H, W] → [N·H·W, K]
        let rows = logits
            .reshape(&[n, N_PALETTE, PIXELS])?
            .transpose(1, 2)?
            .reshape(&[n * PIXELS, N_PALETTE])?;
        let targets = tape.leaf(targets_one_hot(images, dev)?);
        cross_entropy_over(&rows, &targets, n * PIXELS)
    }

    /// Bits of each image (Σ over pixels of −log₂ p(xᵢ | x₍<ᵢ₎)), CPU weights.
    pub fn bits_cpu(&self, p: &Params, images: &[Vec<u8>]) -> Result<Vec<f64>> {
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let x = tape.leaf(one_hot(images, SIZE, SIZE, &Device::Cpu));
        let v = self.logits(&vars, &x)?.value().cpu_vec()?;
        Ok(images
            .iter()
            .enumerate()
            .map(|(i, img)| {
                let base = i * N_PALETTE * PIXELS;
                (0..PIXELS)
                    .map(|px| {
                        let z: Vec<f32> =
                            (0..N_PALETTE).map(|k| v[base + k * PIXELS + px]).collect();
                        -softmax(&z)[img[px] as usize].log2()
                    })
                    .sum()
            })
            .collect())
    }
}

/// Each pixel's row and column, scaled to [−1, 1] over the whole picture: [1, 2, rows, cols]
/// for the window whose top left pixel is `corner` (row, column).
fn coordinates(corner: (usize, usize), rows: usize, cols: usize, dev: &Device) -> Result<Tensor> {
    let scale = |i: usize| 2.0 * i as f32 / (SIZE - 1) as f32 - 1.0;
    let mut v = Vec::with_capacity(2 * rows * cols);
    v.extend((0..rows * cols).map(|i| scale(corner.0 + i / cols)));
    v.extend((0..rows * cols).map(|i| scale(corner.1 + i % cols)));
    Tensor::new(v, &[1, 2, rows, cols], dev)
}

/// Palette images (row-major indices, `h`×`w`) as one-hot [N, N_PALETTE, h, w].
pub fn one_hot(images: &[Vec<u8>], h: usize, w: usize, dev: &Device) -> Tensor {
    one_hot_first(images, h, w, h * w, dev)
}

/// [`one_hot`] of each image's first `known` pixels; the pixels after them all zero (not
/// drawn yet).
pub fn one_hot_first(images: &[Vec<u8>], h: usize, w: usize, known: usize, dev: &Device) -> Tensor {
    let mut v = vec![0.0f32; images.len() * N_PALETTE * h * w];
    for (i, img) in images.iter().enumerate() {
        for (px, &c) in img.iter().enumerate().take(known) {
            v[(i * N_PALETTE + c as usize) * h * w + px] = 1.0;
        }
    }
    Tensor::new(v, &[images.len(), N_PALETTE, h, w], dev).expect("sizes agree")
}

/// Each pixel's colour as a one-hot row [N·H·W, N_PALETTE].
fn targets_one_hot(images: &[Vec<u8>], dev: &Device) -> Result<Tensor> {
    let mut v = vec![0.0f32; images.len() * PIXELS * N_PALETTE];
    for (i, img) in images.iter().enumerate() {
        for (px, &c) in img.iter().enumerate() {
            v[(i * PIXELS + px) * N_PALETTE + c as usize] = 1.0;
        }
    }
    Tensor::new(v, &[images.len() * PIXELS, N_PALETTE], dev)
}

/// `n` people drawn from P_data as palette images.
pub fn training_images(n: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let pdata = PData::default();
    (0..n)
        .map(|_| palette_indices(&pdata.sample(rng)))
        .collect()
}

/// The held-out people of the comparison: 256 from their own seed.
pub fn held_out() -> Vec<Vec<u8>> {
    PData::default()
        .sample_n(256, HELD_OUT_SEED)
        .iter()
        .map(palette_indices)
        .collect()
}

pub const HELD_OUT_SEED: u64 = 0x7069_7863;

/// Lesson 3's idea on the palette: every pixel its own categorical, fitted by counting
/// (add-α), independent of the others.
#[derive(Clone, Debug)]
pub struct IndependentPixels {
    /// p[pixel][colour].
    pub p: Vec<Vec<f64>>,
}

impl IndependentPixels {
    pub fn fit(images: &[Vec<u8>], alpha: f64) -> Self {
        let mut counts = vec![vec![alpha; N_PALETTE]; PIXELS];
        for img in images {
            for (px, &c) in img.iter().enumerate() {
                counts[px][c as usize] += 1.0;
            }
        }
        let p = counts
            .into_iter()
            .map(|row| {
                let s: f64 = row.iter().sum();
                row.into_iter().map(|c| c / s).collect()
            })
            .collect();
        IndependentPixels { p }
    }

    pub fn bits(&self, img: &[u8]) -> f64 {
        img.iter()
            .enumerate()
            .map(|(px, &c)| -self.p[px][c as usize].log2())
            .sum()
    }
}

/// Mean bits per pixel of per-image bits.
pub fn bits_per_pixel(bits: &[f64]) -> f64 {
    bits.iter().sum::<f64>() / (bits.len() * PIXELS) as f64
}

/// The avatars behind [`held_out`] (for the classifier's reading).
pub fn held_out_people() -> Vec<Avatar> {
    PData::default().sample_n(256, HELD_OUT_SEED)
}
