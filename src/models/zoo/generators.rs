//! Trained networks of Avatar World as [`Generative`] models: the avatar autoencoder and
//! VAEs (decoding codes drawn from N(0, I)), the DCGAN (its generator on noise) and the
//! U-Net (an unconditional DDIM run).

use super::{Net, Recipe};
use crate::models::autoencoder::Kind;
use crate::models::diffusion::{ImageJob, Sampler, Unet};
use crate::models::generative::{Family, Generative, Likelihood, Samples};
use crate::models::sampling::{ready_now, run_to_end, SampleSpec};
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
    /// the 2-D denoisers and GANs).
    pub fn new(recipe: &'static Recipe, net: Net, params: Params, steps: usize) -> Option<Self> {
        let from_noise = SampleSpec::Draw { n: 0, seed: 0 };
        let draws = net.get::<Unet>().is_some()
            || (recipe.dataset() == super::AVATAR_VERSION
                && net.sampler(&params, &from_noise, &Device::Cpu).is_some());
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
        let spec = if self.net.get::<Unet>().is_some() {
            SampleSpec::Images(ImageJob {
                sampler: Sampler::Ddim,
                steps: self.steps,
                n,
                prompt: [None; 5],
                w: 0.0,
                seed,
            })
        } else {
            SampleSpec::Draw { n, seed }
        };
        let mut run = self
            .net
            .sampler(&self.params, &spec, &Device::Cpu)
            .ok_or("this network does not sample people")?;
        // On the CPU every readback is ready at once: the run needs no executor.
        let (images, _) = ready_now(run_to_end(run.as_mut()))
            .ok_or("a CPU run waited for a device")?
            .map_err(|e| e.to_string())?;
        Ok(Samples::Images(images))
    }
}
