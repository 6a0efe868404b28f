//! Trained networks of Avatar World as [`Generative`] models: the avatar autoencoder and
//! VAEs (decoding codes drawn from N(0, I)) and the U-Net (an unconditional DDIM run).

use super::{Net, Recipe};
use crate::models::autoencoder::{self as ae, Kind, AVATAR_D};
use crate::models::diffusion::{
    rgb_from_unit, schedule_unet, ImageJob, ImageRun, Sampler, Unet, AVATAR_PIXELS,
};
use crate::models::generative::{Family, Generative, Likelihood, Samples};
use crate::nn::Params;
use crate::tensor::Device;

/// A shipped or trained network that draws people as 32×32 images.
pub struct ImageGenerator {
    recipe: &'static Recipe,
    net: Net,
    params: Params,
    /// Reverse steps of a diffusion model's DDIM run.
    steps: usize,
}

impl ImageGenerator {
    /// `None` for a network that does not draw people (the jar autoencoder, the classifier,
    /// the 2-D denoisers).
    pub fn new(recipe: &'static Recipe, net: Net, params: Params, steps: usize) -> Option<Self> {
        let draws = net.get::<Unet>().is_some()
            || (net.as_autoencoder().is_some() && recipe.dataset() == super::AVATAR_VERSION);
        draws.then_some(ImageGenerator {
            recipe,
            net,
            params,
            steps,
        })
    }

    fn variational(&self) -> bool {
        self.net
            .as_autoencoder()
            .is_some_and(|a| a.kind() == Kind::Variational)
    }
}

impl Generative for ImageGenerator {
    fn name(&self) -> String {
        self.recipe.name.to_string()
    }
    fn family(&self) -> Family {
        if self.net.get::<Unet>().is_some() || self.variational() {
            Family::Approximate
        } else {
            Family::Implicit
        }
    }
    fn parameters(&self) -> usize {
        self.params.values.iter().map(|t| t.numel()).sum()
    }
    fn likelihood(&self) -> Likelihood {
        match self.family() {
            Family::Approximate => Likelihood::Bound,
            _ => Likelihood::None,
        }
    }
    fn sample(&self, n: usize, seed: u64) -> Result<Samples, String> {
        let err = |e: crate::tensor::TensorError| e.to_string();
        if let Some(unet) = self.net.get::<Unet>() {
            let s = schedule_unet();
            let job = ImageJob {
                sampler: Sampler::Ddim,
                steps: self.steps,
                n,
                prompt: [None; 5],
                w: 0.0,
                seed,
            };
            let params = self.params.to_device(&Device::Cpu);
            let mut run = ImageRun::new(&job, s, &Device::Cpu);
            while !run.finished() {
                run.step(unet, &params, s).map_err(err)?;
            }
            let x = run.x.cpu_values().ok_or("the samples are not on the CPU")?;
            return Ok(Samples::Images(
                x.chunks(AVATAR_PIXELS).map(rgb_from_unit).collect(),
            ));
        }
        let a = self.net.as_autoencoder().ok_or("not an image model")?;
        let zs = ae::standard_normal_codes(n, a.latent(), seed);
        let xs = a.decode(&self.params, &zs).map_err(err)?;
        debug_assert!(xs.iter().all(|x| x.len() == AVATAR_D));
        Ok(Samples::Images(
            xs.iter().map(|x| ae::rgb_from_chw(x)).collect(),
        ))
    }
}
