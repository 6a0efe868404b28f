//! Autoencoders (plain and variational) for lessons 4 and 5, and the people and images
//! they are trained on (the feature classifier that reads them is in `classifier`).
//! Networks are built from `nn` layers, so they train on either backend; the `*_cpu`
//! helpers run inference synchronously on CPU weights (what the page's pads and grids use).
//!
//! Images enter the networks flattened, `[N, D]`, with values in [0, 1]; avatars are
//! channel-first (`D = 3·32·32`), jars grey (`D = 32·32`).

use crate::autodiff::{Tape, Var};
use crate::data::avatar::Avatar;
use crate::data::draw;
use crate::data::Rng;
use crate::nn::layers::{Conv2d, ConvSpec, ConvTranspose2d};
use crate::nn::{bce_with_logits, gaussian_kl, Linear, Mlp, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};
use std::sync::OnceLock;

/// Pixels of one avatar image, channel-first.
pub const AVATAR_D: usize = 3 * draw::SIZE * draw::SIZE;
/// Pixels of one jar image.
pub const JAR_D: usize = crate::data::jars::SIDE * crate::data::jars::SIDE;

/// Plain or variational.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Plain,
    Variational,
}

/// An encoder/decoder pair over flattened images.
pub trait AutoEncoder {
    fn kind(&self) -> Kind;
    fn latent(&self) -> usize;
    /// Length of one flattened image.
    fn dim(&self) -> usize;
    /// The code's mean and, for a VAE, its log-variance. `x` is `[N, dim]`.
    fn encode<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Option<Var<'t>>)>;
    /// Logits of the pixels, `[N, dim]`.
    fn decode<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>>;
}

/// The jar autoencoder: an MLP 1024 → 128 → 32 → 2 and back.
#[derive(Clone, Debug)]
pub struct JarAe {
    enc: Mlp,
    dec: Mlp,
}

impl JarAe {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> JarAe {
        JarAe {
            enc: Mlp::new(p, "enc", &[JAR_D, 128, 32, 2], UnaryOp::Silu, rng, dev),
            dec: Mlp::new(p, "dec", &[2, 32, 128, JAR_D], UnaryOp::Silu, rng, dev),
        }
    }
}

impl AutoEncoder for JarAe {
    fn kind(&self) -> Kind {
        Kind::Plain
    }
    fn latent(&self) -> usize {
        2
    }
    fn dim(&self) -> usize {
        JAR_D
    }
    fn encode<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Option<Var<'t>>)> {
        Ok((self.enc.forward(p, x)?, None))
    }
    fn decode<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        self.dec.forward(p, z)
    }
}

/// The avatar autoencoder: three stride-2 convolutions (32 → 16 → 8 → 4) to a code, and
/// three transposed convolutions back. A VAE's head gives mean and log-variance.
#[derive(Clone, Debug)]
pub struct AvatarAe {
    kind: Kind,
    latent: usize,
    convs: [Conv2d; 3],
    head: Linear,
    expand: Linear,
    deconvs: [ConvTranspose2d; 3],
}

const CH: [usize; 4] = [3, 16, 32, 64];

impl AvatarAe {
    pub fn new(kind: Kind, latent: usize, p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let convs = [0, 1, 2].map(|i| {
            Conv2d::new(
                p,
                &format!("enc.conv{i}"),
                ConvSpec::halving(CH[i], CH[i + 1]),
                rng,
                dev,
            )
        });
        let outs = if kind == Kind::Variational { 2 } else { 1 } * latent;
        let head = Linear::new(p, "enc.head", CH[3] * 16, outs, rng, dev);
        let expand = Linear::new(p, "dec.expand", latent, CH[3] * 16, rng, dev);
        let deconvs = [0, 1, 2].map(|i| {
            ConvTranspose2d::new(
                p,
                &format!("dec.deconv{i}"),
                ConvSpec::halving(CH[3 - i], CH[2 - i]),
                rng,
                dev,
            )
        });
        AvatarAe {
            kind,
            latent,
            convs,
            head,
            expand,
            deconvs,
        }
    }
}

impl AutoEncoder for AvatarAe {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn latent(&self) -> usize {
        self.latent
    }
    fn dim(&self) -> usize {
        AVATAR_D
    }
    fn encode<'t>(&self, p: &[Var<'t>], x: &Var<'t>) -> Result<(Var<'t>, Option<Var<'t>>)> {
        let n = x.shape()[0];
        let mut h = x.reshape(&[n, 3, draw::SIZE, draw::SIZE])?;
        for c in &self.convs {
            h = c.forward(p, &h)?.unary(UnaryOp::Silu, 0.0)?;
        }
        let out = self.head.forward(p, &h.reshape(&[n, CH[3] * 16])?)?;
        Ok(match self.kind {
            Kind::Plain => (out, None),
            Kind::Variational => (
                out.narrow(1, 0, self.latent)?,
                Some(out.narrow(1, self.latent, self.latent)?),
            ),
        })
    }
    fn decode<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>> {
        let n = z.shape()[0];
        let mut h = self
            .expand
            .forward(p, z)?
            .unary(UnaryOp::Silu, 0.0)?
            .reshape(&[n, CH[3], 4, 4])?;
        for (i, d) in self.deconvs.iter().enumerate() {
            h = d.forward(p, &h)?;
            if i < 2 {
                h = h.unary(UnaryOp::Silu, 0.0)?;
            }
        }
        h.reshape(&[n, AVATAR_D])
    }
}

/// The training loss of an autoencoder on a batch `x` `[N, dim]`: reconstruction
/// (Bernoulli negative log-likelihood summed over pixels, averaged over images) plus, for a
/// VAE, β × KL(q(z|x) ‖ N(0, I)). `noise_seed` draws the reparameterisation noise on the
/// device. Returns the loss and its named parts.
pub fn ae_loss<'t, M: AutoEncoder>(
    m: &M,
    tape: &'t Tape,
    p: &[Var<'t>],
    x: Tensor,
    beta: f32,
    noise_seed: u64,
) -> Result<crate::train::LossParts<'t>> {
    let dev = x.device();
    let n = x.shape()[0];
    let x = tape.leaf(x);
    let (mu, logvar) = m.encode(p, &x)?;
    let z = match logvar {
        Some(lv) => {
            let eps = tape.leaf(Tensor::random(&[n, m.latent()], noise_seed, true, &dev));
            mu.add(&lv.scale(0.5)?.unary(UnaryOp::Exp, 0.0)?.mul(&eps)?)?
        }
        None => mu,
    };
    let logits = m.decode(p, &z)?;
    let recon = bce_with_logits(&logits, &x)?.scale(m.dim() as f32)?;
    match logvar {
        Some(lv) => {
            let kl = gaussian_kl(&mu, &lv)?;
            let loss = recon.add(&kl.scale(beta)?)?;
            Ok((
                loss,
                vec![("reconstruction".into(), recon), ("KL".into(), kl)],
            ))
        }
        None => Ok((recon, vec![("reconstruction".into(), recon)])),
    }
}

/// Rows of equal length as one `[rows, d]` tensor on `dev`.
pub fn rows_tensor(rows: &[Vec<f32>], d: usize, dev: &Device) -> Result<Tensor> {
    let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::new(flat, &[rows.len(), d], dev)
}

pub(super) fn split_rows(t: &Tensor) -> Vec<Vec<f32>> {
    let d = t.shape()[1];
    let v = t
        .cpu_values()
        .expect("inference helpers take CPU weights (Params::to_cpu)");
    v.chunks(d).map(|c| c.to_vec()).collect()
}

/// Codes (the means, for a VAE) of flattened images, on the CPU.
pub fn encode_cpu<M: AutoEncoder>(
    m: &M,
    params: &Params,
    xs: &[Vec<f32>],
) -> Result<Vec<Vec<f32>>> {
    if xs.is_empty() {
        return Ok(Vec::new());
    }
    let tape = Tape::new();
    let p = params.bind(&tape);
    let x = tape.leaf(rows_tensor(xs, m.dim(), &Device::Cpu)?);
    Ok(split_rows(&m.encode(&p, &x)?.0.value()))
}

/// Images (pixel values in [0, 1]) decoded from codes, on the CPU.
pub fn decode_cpu<M: AutoEncoder>(
    m: &M,
    params: &Params,
    zs: &[Vec<f32>],
) -> Result<Vec<Vec<f32>>> {
    if zs.is_empty() {
        return Ok(Vec::new());
    }
    let tape = Tape::new();
    let p = params.bind(&tape);
    let z = tape.leaf(rows_tensor(zs, m.latent(), &Device::Cpu)?);
    let y = m.decode(&p, &z)?.unary(UnaryOp::Sigmoid, 0.0)?;
    Ok(split_rows(&y.value()))
}

/// KL(q(z|x) ‖ N(0, I)) averaged over images (0 for a plain autoencoder).
pub fn kl_cpu<M: AutoEncoder>(m: &M, params: &Params, xs: &[Vec<f32>]) -> Result<f64> {
    if xs.is_empty() {
        return Ok(0.0);
    }
    let tape = Tape::new();
    let p = params.bind(&tape);
    let x = tape.leaf(rows_tensor(xs, m.dim(), &Device::Cpu)?);
    match m.encode(&p, &x)? {
        (mu, Some(lv)) => Ok(gaussian_kl(&mu, &lv)?.value().cpu_values().expect("CPU")[0] as f64),
        _ => Ok(0.0),
    }
}

/// Mean squared reconstruction error of each image (encode to the mean, decode).
pub fn recon_error_cpu<M: AutoEncoder>(
    m: &M,
    params: &Params,
    xs: &[Vec<f32>],
) -> Result<Vec<f64>> {
    let back = decode_cpu(m, params, &encode_cpu(m, params, xs)?)?;
    Ok(xs
        .iter()
        .zip(&back)
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| ((x - y) as f64).powi(2))
                .sum::<f64>()
                / a.len() as f64
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Avatar images as network inputs.

/// The 32×32 RGB raster of combination `index`, drawn once and kept (there are 4032).
pub fn avatar_raster(index: usize) -> &'static [u8] {
    static CACHE: OnceLock<Vec<OnceLock<Vec<u8>>>> = OnceLock::new();
    let c = CACHE.get_or_init(|| {
        (0..crate::data::avatar::N_COMBINATIONS)
            .map(|_| OnceLock::new())
            .collect()
    });
    c[index].get_or_init(|| draw::rasterise(&Avatar::from_index(index)))
}

/// RGB bytes (row-major, interleaved) → channel-first floats in [0, 1].
pub fn chw_from_rgb(rgb: &[u8]) -> Vec<f32> {
    let hw = rgb.len() / 3;
    let mut out = vec![0.0; rgb.len()];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * hw + i] = px[c] as f32 / 255.0;
        }
    }
    out
}

/// `n` codes of `latent` numbers drawn from N(0, I): what a VAE's decoder samples from.
pub fn standard_normal_codes(n: usize, latent: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| (0..latent).map(|_| rng.normal() as f32).collect())
        .collect()
}

/// Channel-first floats → RGB bytes, for display.
pub fn rgb_from_chw(x: &[f32]) -> Vec<u8> {
    let hw = x.len() / 3;
    let mut out = vec![0u8; x.len()];
    for i in 0..hw {
        for c in 0..3 {
            out[i * 3 + c] = (x[c * hw + i].clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    }
    out
}

/// The network input for one person.
pub fn avatar_input(a: &Avatar) -> Vec<f32> {
    chw_from_rgb(avatar_raster(a.index()))
}

/// Every tenth combination is never trained on, so tests and lessons can show people the
/// models have not seen.
pub fn is_held_out(a: &Avatar) -> bool {
    a.index() % 10 == 0
}

/// The [`pixel_change`](crate::models::judge::pixel_change) of `n` people drawn from
/// P_data from `seed`: the figure a model's pictures are held against.
pub fn pdata_pixel_change(n: usize, seed: u64) -> f64 {
    let images: Vec<Vec<f32>> = pdata().sample_n(n, seed).iter().map(avatar_input).collect();
    crate::models::judge::pixel_change(&images)
}

/// `n` training people drawn from P_data, leaving out the held-out combinations.
pub fn training_people(n: usize, rng: &mut Rng) -> Vec<Avatar> {
    let pd = pdata();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let a = pd.sample(rng);
        if !is_held_out(&a) {
            out.push(a);
        }
    }
    out
}

/// `n` held-out people drawn from P_data restricted to the held-out combinations.
pub fn held_out_people(n: usize, seed: u64) -> Vec<Avatar> {
    let pd = pdata();
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let a = pd.sample(&mut rng);
        if is_held_out(&a) {
            out.push(a);
        }
    }
    out
}

pub fn pdata() -> &'static crate::data::PData {
    static P: OnceLock<crate::data::PData> = OnceLock::new();
    P.get_or_init(crate::data::PData::default)
}

/// The images the anomaly detector ranks: held-out people, and some that are not people
/// of Avatar World at all.
pub fn anomaly_set() -> Vec<(String, Vec<u8>, bool)> {
    let mut out: Vec<(String, Vec<u8>, bool)> = held_out_people(12, 123)
        .iter()
        .map(|a| (a.describe(), avatar_raster(a.index()).to_vec(), false))
        .collect();
    // A jar (grey, as RGB).
    let jar = crate::data::jars::Jar {
        height: 22.0,
        width: 16.0,
    };
    out.push((
        "a jar from lesson 4".into(),
        crate::data::jars::to_rgb(&jar.render()),
        true,
    ));
    // Noise.
    let mut rng = Rng::new(9);
    out.push((
        "random noise".into(),
        (0..draw::SIZE * draw::SIZE * 3)
            .map(|_| rng.below(256) as u8)
            .collect(),
        true,
    ));
    // A person with green hair, a colour Avatar World never has.
    let a = held_out_people(1, 321)[0];
    let hair = draw::HAIR_RGB[a.get(crate::data::avatar::HAIR_COLOUR)];
    let mut g = avatar_raster(a.index()).to_vec();
    for px in g.chunks_exact_mut(3) {
        if px == hair {
            px.copy_from_slice(&[0x10, 0xd0, 0x30]);
        }
    }
    out.push(("a person with bright green hair".into(), g, true));
    // A person upside down.
    let b = held_out_people(1, 654)[0];
    let src = avatar_raster(b.index()).to_vec();
    let mut flipped = vec![0u8; src.len()];
    for y in 0..draw::SIZE {
        let (s, d) = (y * draw::SIZE * 3, (draw::SIZE - 1 - y) * draw::SIZE * 3);
        flipped[d..d + draw::SIZE * 3].copy_from_slice(&src[s..s + draw::SIZE * 3]);
    }
    out.push(("a person upside down".into(), flipped, true));
    out
}
