//! The common face of the generative models (`models::generative`): the shipped image
//! networks sample people as 32×32 images through it, say their family and likelihood,
//! and count their parameters; networks that draw no people are refused.
#![cfg(not(target_arch = "wasm32"))]

use genlab::models::generative::{Family, Generative, Likelihood, Samples};
use genlab::models::zoo::{self, ImageGenerator};
use genlab::tensor::Device;
mod shipped;
use shipped::shipped;

fn generator(name: &str, steps: usize) -> Option<ImageGenerator> {
    let (net, params) = shipped(name, &Device::Cpu);
    ImageGenerator::new(zoo::recipe(name).unwrap(), net, params, steps)
}

#[test]
fn shipped_image_models_sample_people_through_one_interface() {
    let cases = [
        ("avatar-vae", Family::Approximate, Likelihood::Bound),
        ("avatar-ae", Family::Implicit, Likelihood::None),
        ("avatar-unet", Family::Approximate, Likelihood::Bound),
    ];
    for (name, family, likelihood) in cases {
        let g = generator(name, 10).unwrap_or_else(|| panic!("{name} draws people"));
        assert_eq!(
            (g.name().as_str(), g.family(), g.likelihood()),
            (name, family, likelihood)
        );
        let (_, params) = shipped(name, &Device::Cpu);
        let numel: usize = params.values.iter().map(|t| t.numel()).sum();
        assert_eq!(g.parameters(), numel);
        let Samples::Images(images) = g.sample(3, 7).unwrap() else {
            panic!("{name} gives images")
        };
        assert_eq!(images.len(), 3);
        assert!(images.iter().all(|i| i.len() == 3 * 32 * 32));
        // Real pictures, not a constant: the pixels vary within each image.
        for i in &images {
            let (lo, hi) = (i.iter().min().unwrap(), i.iter().max().unwrap());
            assert!(hi - lo > 64, "{name}: a flat image ({lo}..{hi})");
        }
        assert_eq!(
            g.sample(3, 7).unwrap(),
            Samples::Images(images),
            "{name}: same seed, same people"
        );
    }
}

#[test]
fn networks_that_draw_no_people_are_not_image_generators() {
    for name in ["jar-ae", "feature-classifier", "ddpm-land"] {
        assert!(generator(name, 10).is_none(), "{name}");
    }
}
