//! The 2-D denoiser: an MLP predicting ε for points in the plane.

use super::sample::EpsModel;
use super::schedule::time_embedding;
use crate::autodiff::{Tape, Var};
use crate::data::Rng;
use crate::nn::{Linear, Params};
use crate::tensor::{Device, Result, Tensor, UnaryOp};

pub const TIME_DIM_2D: usize = 32;

/// ε(x_t, t) for points in the plane: an MLP on [x, y, time embedding], SiLU, 3 hidden
/// layers of 128.
#[derive(Clone, Debug)]
pub struct Denoiser2d {
    layers: Vec<Linear>,
}

impl Denoiser2d {
    pub fn new(p: &mut Params, rng: &mut Rng, dev: &Device) -> Self {
        let sizes = [2 + TIME_DIM_2D, 128, 128, 128, 2];
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Linear::new(p, &format!("den.{i}"), w[0], w[1], rng, dev))
            .collect();
        Denoiser2d { layers }
    }

    pub fn forward<'t>(&self, p: &[Var<'t>], x: &Var<'t>, temb: &Var<'t>) -> Result<Var<'t>> {
        let mut h = Var::concat(&[*x, *temb], 1)?;
        for (i, l) in self.layers.iter().enumerate() {
            h = l.forward(p, &h)?;
            if i + 1 < self.layers.len() {
                h = h.unary(UnaryOp::Silu, 0.0)?;
            }
        }
        Ok(h)
    }
}

impl EpsModel for Denoiser2d {
    fn eps(
        &self,
        params: &Params,
        x: &Tensor,
        t: usize,
        _cond: &[[Option<u8>; 5]],
    ) -> Result<Tensor> {
        let tape = Tape::new();
        let p = params.bind(&tape);
        let n = x.shape()[0];
        let temb = tape.leaf(time_embedding(
            &vec![t as f64; n],
            TIME_DIM_2D,
            &x.device(),
        )?);
        Ok(self.forward(&p, &tape.leaf(x.clone()), &temb)?.value())
    }
}
