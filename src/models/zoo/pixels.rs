//! Lesson 7's PixelCNN as a trainable model: people from P_data in the drawing's palette,
//! and "bits" (each image's exact −log₂ p) for the page.

use super::{Arch, LossParts, Model, Net, StepData, AVATAR_VERSION};
use crate::autodiff::{Tape, Var};
use crate::data::draw::{palette_rgb, N_PALETTE, SIZE};
use crate::data::Rng;
use crate::models::pixelcnn::{one_hot_first, training_images, PixelCnn, PIXELS};
use crate::models::sampling::{Readback, SampleRun, SampleSpec};
use crate::nn::Params;
use crate::tensor::{BinaryOp, Device, ReduceOp, Result, Tensor, UnaryOp};

/// The PixelCNN on Avatar World: 32 channels, a 5×5 type-A layer and four residual 3×3
/// type-B layers.
#[derive(Debug)]
pub struct AvatarPixels;

impl Arch for AvatarPixels {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(PixelCnn::new(p, 32, 4, rng, dev))
    }
    fn dataset(&self) -> &'static str {
        AVATAR_VERSION
    }
}

impl Model for PixelCnn {
    /// Nats per pixel on people drawn from P_data.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let images = training_images(s.batch, s.rng);
        Ok((PixelCnn::loss(self, tape, p, &images, s.dev)?, Vec::new()))
    }

    /// `Draw`: people pixel by pixel; `Complete`: the given people below their first rows.
    fn sampler(&self, p: &Params, spec: &SampleSpec, dev: &Device) -> Option<Box<dyn SampleRun>> {
        let run = match spec {
            &SampleSpec::Draw { n, seed } => PixelRun::new(self, p, n, None, seed, dev),
            SampleSpec::Complete { given, rows, seed } => {
                PixelRun::new(self, p, given.len(), Some((given, *rows)), *seed, dev)
            }
            _ => return None,
        };
        Some(Box::new(run))
    }

    /// "bits": each row an image of palette indices → [its exact −log₂ p].
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        _args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        (function == "bits").then(|| {
            let images: Vec<Vec<u8>> = rows
                .iter()
                .map(|r| r.iter().map(|&v| v as u8).collect())
                .collect();
            if images.is_empty() {
                return Ok(Vec::new());
            }
            self.bits_cpu(p, &images)
                .map(|b| b.into_iter().map(|v| vec![v as f32]).collect())
        })
    }
}

/// Sampling in raster order, `n` images at once, a row of pixels per step; each pixel is
/// drawn on the run's device by the Gumbel-max trick (the arg-max of the logits plus
/// Gumbel noise is a draw from their softmax), from a pass over only the window of the
/// picture its output can see, and written into the one-hot images there: nothing is read
/// back until a preview.
pub struct PixelRun {
    net: PixelCnn,
    params: Params,
    dev: Device,
    /// One-hot images [n, N_PALETTE, 32, 32]; pixels not drawn yet are all zero.
    x: Tensor,
    n: usize,
    /// The first row drawn (rows before it were given).
    first_row: usize,
    /// The next pixel to draw.
    next: usize,
    seed: u64,
}

impl PixelRun {
    /// A run drawing `n` people (`given`: none) or completing `given` below its first
    /// `rows` rows.
    pub fn new(
        net: &PixelCnn,
        p: &Params,
        n: usize,
        given: Option<(&[Vec<u8>], usize)>,
        seed: u64,
        dev: &Device,
    ) -> PixelRun {
        let (x, n, first_row) = match given {
            Some((images, rows)) => {
                let rows = rows.min(SIZE);
                let x = one_hot_first(images, SIZE, SIZE, rows * SIZE, dev);
                (x, images.len(), rows)
            }
            None => (Tensor::zeros(&[n, N_PALETTE, SIZE, SIZE], dev), n, 0),
        };
        PixelRun {
            net: net.clone(),
            params: p.to_device(dev),
            dev: dev.clone(),
            x,
            n,
            first_row,
            next: first_row * SIZE,
            seed,
        }
    }

    /// Draws pixel `px` of every image.
    fn draw_pixel(&mut self, px: usize) -> Result<()> {
        let logits = self.net.logits_at(&self.params, &self.x, px)?;
        // Gumbel noise −log(−log u), u kept inside (0, 1).
        let u = Tensor::random(
            &[self.n, N_PALETTE],
            self.seed
                .wrapping_mul(PIXELS as u64 + 1)
                .wrapping_add(px as u64),
            false,
            &self.dev,
        )
        .unary(UnaryOp::MulScalar, 1.0 - 2e-6)
        .unary(UnaryOp::AddScalar, 1e-6);
        let gumbel = u
            .unary(UnaryOp::Log, 0.0)
            .unary(UnaryOp::Neg, 0.0)
            .unary(UnaryOp::Log, 0.0)
            .unary(UnaryOp::Neg, 0.0);
        let pick = logits
            .binary(BinaryOp::Add, &gumbel)?
            .reduce(ReduceOp::ArgMax, 1)?; // [n]
        let colours = Tensor::new(
            (0..N_PALETTE).map(|k| k as f32).collect(),
            &[1, N_PALETTE],
            &self.dev,
        )?;
        let hot = colours
            .binary(BinaryOp::Eq, &pick.reshape(&[self.n, 1])?)?
            .reshape(&[self.n, N_PALETTE, 1, 1])?;
        let mut at = vec![0.0f32; PIXELS];
        at[px] = 1.0;
        let at = Tensor::new(at, &[1, 1, SIZE, SIZE], &self.dev)?;
        self.x = self
            .x
            .binary(BinaryOp::Add, &hot.binary(BinaryOp::Mul, &at)?)?;
        Ok(())
    }

    /// The images' palette indices as they stand (pixels not drawn yet: background).
    async fn indices(&self) -> Result<Vec<Vec<u8>>> {
        let v = self.x.to_vec().await?;
        Ok((0..self.n)
            .map(|i| {
                (0..PIXELS)
                    .map(|px| {
                        (0..N_PALETTE)
                            .find(|&k| v[(i * N_PALETTE + k) * PIXELS + px] > 0.5)
                            .unwrap_or(0) as u8
                    })
                    .collect()
            })
            .collect())
    }
}

impl SampleRun for PixelRun {
    fn done(&self) -> usize {
        self.next / SIZE - self.first_row
    }
    fn total(&self) -> usize {
        SIZE - self.first_row
    }
    /// One row of pixels.
    fn step(&mut self) -> Result<()> {
        let row = self.next / SIZE;
        for px in row * SIZE..(row + 1) * SIZE {
            self.draw_pixel(px)?;
        }
        self.next = (row + 1) * SIZE;
        Ok(())
    }
    fn preview_every(&self) -> usize {
        1
    }
    fn images(&self) -> Readback<'_, Vec<Vec<u8>>> {
        Box::pin(async move {
            Ok(self
                .indices()
                .await?
                .iter()
                .map(|i| palette_rgb(i))
                .collect())
        })
    }
    /// Palette indices, image after image.
    fn values(&self) -> Readback<'_, Vec<f32>> {
        Box::pin(async move {
            Ok(self
                .indices()
                .await?
                .into_iter()
                .flatten()
                .map(|v| v as f32)
                .collect())
        })
    }
}
