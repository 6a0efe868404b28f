//! Sampling a network that maps noise to people in one step (an autoencoder's decoder on
//! codes from N(0, I), a GAN's generator on its noise): one [`SampleRun`] for all of them.

use crate::autodiff::{Tape, Var};
use crate::models::autoencoder::{self as ae, AVATAR_D};
use crate::models::sampling::{Readback, SampleRun, SampleSpec};
use crate::nn::Params;
use crate::tensor::{Device, Result, Tensor};

/// A network that draws people from noise vectors.
pub trait FromNoise: Clone + 'static {
    /// Length of a noise vector.
    fn noise_dim(&self) -> usize;
    /// Images [n, 3·32·32], channel-first, pixel values in [0, 1], from noise [n, dim].
    fn draw<'t>(&self, p: &[Var<'t>], z: &Var<'t>) -> Result<Var<'t>>;
}

/// A `Draw` of `m`: people from noise drawn from N(0, I) (`None` for any other spec).
pub fn draw_sampler<M: FromNoise>(
    m: &M,
    p: &Params,
    spec: &SampleSpec,
    dev: &Device,
) -> Option<Box<dyn SampleRun>> {
    let &SampleSpec::Draw { n, seed } = spec else {
        return None;
    };
    Some(prior_run(m, p, n, seed, dev))
}

/// `n` people from noise drawn with `seed`, in one step.
fn prior_run<M: FromNoise>(
    m: &M,
    p: &Params,
    n: usize,
    seed: u64,
    dev: &Device,
) -> Box<dyn SampleRun> {
    Box::new(PriorRun {
        net: m.clone(),
        params: p.to_device(dev),
        zs: ae::standard_normal_codes(n, m.noise_dim(), seed),
        dev: dev.clone(),
        out: None,
    })
}

/// The images `m` draws from noise rows `zs` (CPU weights): rows of 3·32·32 values in [0, 1].
pub fn draw_cpu<M: FromNoise>(m: &M, p: &Params, zs: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
    if zs.is_empty() {
        return Ok(Vec::new());
    }
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let z = tape.leaf(ae::rows_tensor(zs, m.noise_dim(), &Device::Cpu)?);
    let v = m.draw(&vars, &z)?.value();
    let v = v.cpu_vec()?;
    Ok(v.chunks(AVATAR_D).map(<[f32]>::to_vec).collect())
}

struct PriorRun<M: FromNoise> {
    net: M,
    params: Params,
    zs: Vec<Vec<f32>>,
    dev: Device,
    /// The drawn images, channel-first in [0, 1], once the step is taken.
    out: Option<Tensor>,
}

impl<M: FromNoise> SampleRun for PriorRun<M> {
    fn done(&self) -> usize {
        usize::from(self.out.is_some())
    }
    /// One step, or none when no samples were asked for (a run of nothing is finished).
    fn total(&self) -> usize {
        usize::from(!self.zs.is_empty())
    }
    fn step(&mut self) -> Result<()> {
        if self.out.is_none() && !self.zs.is_empty() {
            let tape = Tape::new();
            let p = self.params.bind(&tape);
            let z = tape.leaf(ae::rows_tensor(&self.zs, self.net.noise_dim(), &self.dev)?);
            self.out = Some(self.net.draw(&p, &z)?.value());
        }
        Ok(())
    }
    fn images(&self) -> Readback<'_, Vec<Vec<u8>>> {
        Box::pin(async move {
            let v = self.values().await?;
            Ok(v.chunks(AVATAR_D).map(ae::rgb_from_chw).collect())
        })
    }
    fn values(&self) -> Readback<'_, Vec<f32>> {
        Box::pin(async move {
            match &self.out {
                Some(t) => t.to_vec().await,
                None => Ok(Vec::new()),
            }
        })
    }
}
