//! Lesson 9's restricted Boltzmann machine on binary avatars. Visible units v (one per
//! pixel of a 32×32 person in black and white) and hidden units h, with the energy
//! E(v, h) = −b·v − c·h − vᵀWh. Given one layer the other's units are independent:
//! p(h = 1 | v) = σ(c + vW) and p(v = 1 | h) = σ(b + hWᵀ), so Gibbs sampling alternates
//! two layers of coin flips (Bernoulli draws on the device). Summing h out gives the free
//! energy F(v) = −b·v − Σⱼ softplus(cⱼ + (vW)ⱼ), with p(v) ∝ e^{−F(v)}. Training is
//! contrastive divergence (Hinton, 2002): the gradient of F at the data minus its gradient
//! at a sample k Gibbs sweeps away, written as the loss F(v₀) − F(v_k) with v_k held fixed.

use crate::autodiff::{Tape, Var};
use crate::data::avatar::{Avatar, ACC, CLOTH_TYPE, HAIR_TYPE, N_COMBINATIONS};
use crate::data::{draw, jars, Rng};
use crate::models::autoencoder::{held_out_people, training_people};
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor, UnaryOp};
use std::sync::OnceLock;

/// Side of the binary pictures: the avatars' own 32×32 grid (see [`binary_avatar`]).
pub const SIDE: usize = draw::SIZE;
/// Visible units: one per pixel.
pub const VISIBLE: usize = SIDE * SIDE;
/// Most Gibbs sweeps of contrastive divergence a reader may ask for.
pub const MAX_K: usize = 25;

/// A person as 1024 bits, row-major: on (1) where the picture shows hair, clothes, eyes,
/// mouth or glasses, off (0) on skin and on the background. Exact: read from the colour at
/// each pixel's centre, so no anti-aliased edge is left to threshold. Colours are gone, the
/// shapes (hair style, clothing, glasses) stay.
pub fn binary_avatar(a: &Avatar) -> &'static [f32] {
    static CACHE: OnceLock<Vec<OnceLock<Vec<f32>>>> = OnceLock::new();
    let c = CACHE.get_or_init(|| (0..N_COMBINATIONS).map(|_| OnceLock::new()).collect());
    c[a.index()].get_or_init(|| {
        // Palette colours 0 and 1 are the background and the skin.
        draw::palette_indices(a)
            .into_iter()
            .map(|i| (i > 1) as u8 as f32)
            .collect()
    })
}

/// Every different picture Avatar World draws in black and white, with its share under
/// P_data. Colours do not show, so a picture is fixed by the hair style, the clothing and
/// the accessory: one picture per combination of the three (all 84 differ; a test says so).
pub fn people_pictures() -> &'static [(Vec<f32>, f64)] {
    static P: OnceLock<Vec<(Vec<f32>, f64)>> = OnceLock::new();
    P.get_or_init(|| {
        let pd = crate::models::autoencoder::pdata();
        let mut shapes: Vec<([usize; 3], Vec<f32>, f64)> = Vec::new();
        for i in 0..N_COMBINATIONS {
            let a = Avatar::from_index(i);
            let key = [ACC, CLOTH_TYPE, HAIR_TYPE].map(|f| a.get(f));
            match shapes.iter_mut().find(|s| s.0 == key) {
                Some(s) => s.2 += pd.prob(&a),
                None => shapes.push((key, binary_avatar(&a).to_vec(), pd.prob(&a))),
            }
        }
        shapes
            .into_iter()
            .map(|(_, pic, share)| (pic, share))
            .collect()
    })
}

/// The picture of [`people_pictures`] nearest to `v`, and the pixels by which they differ.
pub fn nearest_person(v: &[f32]) -> (usize, usize) {
    people_pictures()
        .iter()
        .enumerate()
        .map(|(i, (pic, _))| {
            let off = pic
                .iter()
                .zip(v)
                .filter(|(a, b)| (**a > 0.5) != (**b > 0.5));
            (i, off.count())
        })
        .min_by_key(|&(_, off)| off)
        .expect("Avatar World draws someone")
}

/// `n` people of the training combinations in black and white, one row each.
pub fn training_rows(n: usize, rng: &mut Rng) -> Vec<f32> {
    training_people(n, rng)
        .iter()
        .flat_map(|a| binary_avatar(a).iter().copied())
        .collect()
}

/// Bits as a 32×32 RGB picture: black ink on the background's colour.
pub fn bits_rgb(bits: &[f32]) -> Vec<u8> {
    bits.iter()
        .flat_map(|&b| {
            let ink = b.clamp(0.0, 1.0);
            draw::BACKGROUND.map(|c| (c as f32 * (1.0 - ink) + 0x20 as f32 * ink).round() as u8)
        })
        .collect()
}

/// The pictures the free energy ranks: held-out people, and pictures no person of Avatar
/// World makes: a jar, coin flips, a person upside down. (Lesson 5's green hair has no
/// place here: without colour it is an ordinary person.) Label, bits, and whether it is
/// an anomaly.
pub fn anomaly_set() -> Vec<(String, Vec<f32>, bool)> {
    let mut out: Vec<(String, Vec<f32>, bool)> = held_out_people(12, 123)
        .iter()
        .map(|a| (a.describe(), binary_avatar(a).to_vec(), false))
        .collect();
    let jar = jars::Jar {
        height: 22.0,
        width: 16.0,
    };
    let glass = jar
        .render()
        .iter()
        .map(|&g| (g < 0.5) as u8 as f32)
        .collect();
    out.push(("a jar from lesson 4".into(), glass, true));
    let mut rng = Rng::new(9);
    let noise = (0..VISIBLE).map(|_| rng.below(2) as f32).collect();
    out.push(("coin flips".into(), noise, true));
    let b = binary_avatar(&held_out_people(1, 654)[0]);
    let flipped = (0..VISIBLE)
        .map(|i| b[(SIDE - 1 - i / SIDE) * SIDE + i % SIDE])
        .collect();
    out.push(("a person upside down".into(), flipped, true));
    out
}

/// An RBM's size and training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RbmSettings {
    pub hidden: usize,
    /// Gibbs sweeps of contrastive divergence (CD-k).
    pub k: usize,
}

impl RbmSettings {
    /// The lesson's machine: 128 hidden units, CD-1.
    pub fn lesson() -> RbmSettings {
        RbmSettings { hidden: 128, k: 1 }
    }

    /// The settings with the reader's options: "k", one number in 1..=[`MAX_K`].
    pub fn with_options(
        mut self,
        options: &[(String, Vec<f32>)],
    ) -> std::result::Result<Self, String> {
        for (name, values) in options {
            match (name.as_str(), values.as_slice()) {
                ("k", &[k]) if (1.0..=MAX_K as f32).contains(&k) && k.fract() == 0.0 => {
                    self.k = k as usize
                }
                ("k", _) => return Err(format!("k is a whole number of sweeps, 1 to {MAX_K}")),
                _ => return Err(format!("an RBM has no setting “{name}”")),
            }
        }
        Ok(self)
    }
}

/// A restricted Boltzmann machine: the indices of its weights W [visible, hidden], visible
/// biases b and hidden biases c in its parameters.
#[derive(Debug)]
pub struct Rbm {
    pub settings: RbmSettings,
    pub visible: usize,
    pub w: usize,
    pub b: usize,
    pub c: usize,
}

/// An RBM's three tensors, on one device.
#[derive(Clone, Debug)]
pub struct RbmWeights {
    pub w: Tensor,
    pub b: Tensor,
    pub c: Tensor,
}

impl Rbm {
    /// A machine over `visible` units: W ~ N(0, 0.01²), c = 0, and b set to the log-odds of
    /// each pixel being on in 512 training people (Hinton's practical guide), so the first
    /// reconstructions already look like the average person.
    pub fn new(settings: RbmSettings, p: &mut Params, rng: &mut Rng, dev: &Device) -> Rbm {
        Rbm::with_visible_bias(settings, VISIBLE, &data_log_odds(), p, rng, dev)
    }

    /// A machine over `visible` units with the visible biases `b` (tests: tiny machines).
    pub fn with_visible_bias(
        settings: RbmSettings,
        visible: usize,
        b: &[f32],
        p: &mut Params,
        rng: &mut Rng,
        dev: &Device,
    ) -> Rbm {
        let h = settings.hidden;
        let w0: Vec<f32> = (0..visible * h)
            .map(|_| 0.01 * rng.normal() as f32)
            .collect();
        let t = |v: Vec<f32>, shape: &[usize]| Tensor::new(v, shape, dev).expect("sizes match");
        let w = p.add("rbm.weight", t(w0, &[visible, h]));
        let b = p.add("rbm.visible_bias", t(b.to_vec(), &[visible]));
        let c = p.add("rbm.hidden_bias", t(vec![0.0; h], &[h]));
        Rbm {
            settings,
            visible,
            w,
            b,
            c,
        }
    }

    /// The machine's tensors out of its parameters.
    pub fn weights(&self, p: &Params) -> RbmWeights {
        RbmWeights {
            w: p.values[self.w].clone(),
            b: p.values[self.b].clone(),
            c: p.values[self.c].clone(),
        }
    }

    /// F(v) for rows v [n, visible], as [n] on the tape: −b·v − Σⱼ softplus(cⱼ + (vW)ⱼ).
    pub fn free_energy<'t>(&self, p: &[Var<'t>], v: &Var<'t>) -> Result<Var<'t>> {
        let n = v.shape()[0];
        let visible = v.matmul(&p[self.b].reshape(&[self.visible, 1])?)?;
        let hidden = v
            .matmul(&p[self.w])?
            .add(&p[self.c])?
            .unary(UnaryOp::Softplus, 0.0)?
            .sum(1)?;
        visible
            .reshape(&[n])?
            .add(&hidden.reshape(&[n])?)?
            .scale(-1.0)
    }

    /// F(v) of rows `v` [n, visible] with the weights `p`, outside training (the page's
    /// calls, the tests): [`Rbm::free_energy`] on a tape of its own.
    pub fn free_energies(&self, p: &Params, v: &Tensor) -> Result<Tensor> {
        let tape = Tape::new();
        let vars = p.bind(&tape);
        Ok(self.free_energy(&vars, &tape.leaf(v.clone()))?.value())
    }

    /// Contrastive divergence on data rows `v0` [n, visible]: the loss mean F(v₀) − mean
    /// F(v_k), v_k reached by k Gibbs sweeps from v₀ and held fixed, whose gradient is
    /// CD-k's. Its part "reconstruction" is the mean squared error between v₀ and p(v | h₀)
    /// for h₀ drawn given v₀ (the usual, if rough, gauge of an RBM's training).
    pub fn cd_loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        v0: &Tensor,
        seed: u64,
    ) -> Result<(Var<'t>, Var<'t>)> {
        let wt = RbmWeights {
            w: p[self.w].value(),
            b: p[self.b].value(),
            c: p[self.c].value(),
        };
        let mut seeds = Rng::new(seed);
        let (recon, mut vk) = wt.sweep(v0, &mut seeds)?;
        for _ in 1..self.settings.k {
            vk = wt.sweep(&vk, &mut seeds)?.1;
        }
        let (data, model) = (tape.leaf(v0.clone()), tape.leaf(vk));
        let loss = self
            .free_energy(p, &data)?
            .mean_all()?
            .sub(&self.free_energy(p, &model)?.mean_all()?)?;
        let r = tape.leaf(v0.sub(&recon)?);
        Ok((loss, r.mul(&r)?.mean_all()?))
    }
}

impl RbmWeights {
    /// p(h = 1 | v) = σ(c + vW), rows [n, hidden].
    pub fn hidden_probs(&self, v: &Tensor) -> Result<Tensor> {
        Ok(v.matmul(&self.w)?
            .add(&self.c)?
            .unary(UnaryOp::Sigmoid, 0.0))
    }

    /// p(v = 1 | h) = σ(b + hWᵀ), rows [n, visible].
    pub fn visible_probs(&self, h: &Tensor) -> Result<Tensor> {
        Ok(h.matmul(&self.w.transpose(0, 1)?)?
            .add(&self.b)?
            .unary(UnaryOp::Sigmoid, 0.0))
    }

    /// One Gibbs sweep from visible states `v`: h drawn given v, then v drawn given h.
    /// Returns p(v | h) and the states drawn from it.
    pub fn sweep(&self, v: &Tensor, seeds: &mut Rng) -> Result<(Tensor, Tensor)> {
        let h = self.hidden_probs(v)?.bernoulli(seeds.next_u64())?;
        let probs = self.visible_probs(&h)?;
        let states = probs.bernoulli(seeds.next_u64())?;
        Ok((probs, states))
    }

    /// `sweeps` Gibbs sweeps from `v` [n, visible]; where `clamp` (a 0/1 mask [visible]) is
    /// 1, each sweep puts the starting values back (inpainting: the known pixels stay).
    /// Returns the last states and the probabilities they were drawn from.
    pub fn chain(
        &self,
        v: &Tensor,
        sweeps: usize,
        seed: u64,
        clamp: Option<&Tensor>,
    ) -> Result<(Tensor, Tensor)> {
        let mut seeds = Rng::new(seed);
        let (mut now, mut probs) = (v.clone(), v.clone());
        for _ in 0..sweeps {
            (probs, now) = self.sweep(&now, &mut seeds)?;
            if let Some(mask) = clamp {
                // v ← mask·v₀ + (1 − mask)·v
                now = now.add(&mask.mul(&v.sub(&now)?)?)?;
                probs = probs.add(&mask.mul(&v.sub(&probs)?)?)?;
            }
        }
        Ok((now, probs))
    }
}

/// Log-odds of each pixel being on in 512 training people, each share kept within
/// [0.01, 0.99] so a pixel never on gets a finite bias.
fn data_log_odds() -> Vec<f32> {
    static B: OnceLock<Vec<f32>> = OnceLock::new();
    B.get_or_init(|| {
        let n = 512;
        let rows = training_rows(n, &mut Rng::new(77));
        (0..VISIBLE)
            .map(|i| {
                let on = (0..n).map(|r| rows[r * VISIBLE + i]).sum::<f32>() / n as f32;
                let q = on.clamp(0.01, 0.99);
                (q / (1.0 - q)).ln()
            })
            .collect()
    })
    .clone()
}

/// A hidden unit's weights as a 32×32 picture: red where a pixel on turns the unit on,
/// blue where it turns it off, white for nothing, scaled by the unit's largest weight.
pub fn filter_rgb(w: &[f32]) -> Vec<u8> {
    let top = w.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
    w.iter()
        .flat_map(|&x| {
            let s = (x / top).clamp(-1.0, 1.0);
            let fade = |c: f32| (255.0 - (255.0 - c) * s.abs()).round() as u8;
            if s >= 0.0 {
                [0xc0, 0x30, 0x30].map(|c| fade(c as f32))
            } else {
                [0x30, 0x50, 0xc0].map(|c| fade(c as f32))
            }
        })
        .collect()
}

/// How many different people of [`people_pictures`] the pictures `rows` are nearest to.
pub fn people_reached(rows: &[Vec<f32>]) -> usize {
    let mut seen: Vec<usize> = rows.iter().map(|r| nearest_person(r).0).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}
