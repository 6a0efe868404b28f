//! The registry's one line per shipped network: each recipe names its network (an
//! [`Arch`]), seed, steps, batch, learning rate, β and weight averaging. `cargo xtask train
//! all` runs them in this order.

use super::{
    AvatarGan, AvatarPixels, AvatarRbm, Avatars, Classifier, Ddpm2d, Jars, NamesGpt, NamesMlp,
    Plane2d, Plane2dEnergy, Recipe, Ring2d, Toy, UnetArch,
};
use crate::models::autoencoder::Kind;

pub const RECIPES: &[Recipe] = &[
    Recipe {
        name: "jar-ae",
        arch: &Jars,
        seed: 4,
        steps: 3000,
        batch: 64,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "avatar-ae",
        arch: &Avatars(Kind::Plain),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae",
        arch: &Avatars(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 1.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae-b4",
        arch: &Avatars(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 4.0,
        ema: None,
    },
    Recipe {
        name: "avatar-vae-b025",
        arch: &Avatars(Kind::Variational),
        seed: 5,
        steps: 2500,
        batch: 32,
        lr: 2e-3,
        beta: 0.25,
        ema: None,
    },
    Recipe {
        name: "feature-classifier",
        arch: &Classifier,
        seed: 6,
        steps: 1500,
        batch: 32,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
];

/// The lesson-10 recipes (kept apart so older lessons' tests do not wait for them).
pub const DIFFUSION_RECIPES: &[Recipe] = &[
    Recipe {
        name: "ddpm-swiss-roll",
        arch: &Ddpm2d(Toy::SwissRoll),
        seed: 10,
        steps: 3000,
        batch: 256,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "ddpm-land",
        arch: &Ddpm2d(Toy::Land),
        seed: 10,
        steps: 3000,
        batch: 256,
        lr: 2e-3,
        beta: 0.0,
        ema: None,
    },
    // The shipped weights took two runs: steps 1–9110 predicting ε (before the U-Net
    // predicted v), then `--init` from that file to step 17590 predicting v (see the
    // manifest's "init"). A run from scratch predicts v throughout.
    Recipe {
        name: "avatar-unet",
        arch: &UnetArch,
        seed: 12,
        steps: 17590,
        batch: 32,
        lr: 1e-3,
        beta: 0.0,
        ema: Some(0.995),
    },
];

/// The lesson-6 recipes: the 2-D GAN on the ring with the fix, and with the preset that
/// collapses (the same seed; `lr` is unused: each network has its own rate), and the
/// DCGAN on Avatar World (`lr`: both networks', DCGAN's 2·10⁻⁴).
pub const GAN_RECIPES: &[Recipe] = &[
    Recipe {
        name: "gan-ring",
        arch: &Ring2d { collapse: false },
        seed: 6,
        steps: 3000,
        batch: 256,
        lr: 1e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "gan-ring-collapse",
        arch: &Ring2d { collapse: true },
        seed: 6,
        steps: 1000,
        batch: 256,
        lr: 1e-3,
        beta: 0.0,
        ema: None,
    },
    AVATAR_GAN,
    // The same run stopped early (the same seed and batches: its weights at these steps),
    // for the lesson's rows of people over training: the generator alone is shipped.
    Recipe {
        name: "avatar-gan-500",
        arch: &AvatarGan {
            generator_only: true,
        },
        steps: 500,
        ..AVATAR_GAN
    },
    Recipe {
        name: "avatar-gan-2000",
        arch: &AvatarGan {
            generator_only: true,
        },
        steps: 2000,
        ..AVATAR_GAN
    },
];

/// The DCGAN on Avatar World.
const AVATAR_GAN: Recipe = Recipe {
    name: "avatar-gan",
    arch: &AvatarGan {
        generator_only: false,
    },
    seed: 16,
    steps: 6000,
    batch: 32,
    lr: 2e-4,
    beta: 0.0,
    ema: Some(0.98),
};

/// The lesson-7 recipes: the character models of names (batch: names per step) and the
/// PixelCNN (batch: people). Their weights are averaged: the last steps' noise otherwise
/// shows in the rarer contexts.
pub const AR_RECIPES: &[Recipe] = &[
    Recipe {
        name: "names-mlp",
        arch: &NamesMlp,
        seed: 17,
        steps: 3000,
        batch: 64,
        lr: 3e-3,
        beta: 0.0,
        ema: Some(0.95),
    },
    Recipe {
        name: "names-gpt",
        arch: &NamesGpt,
        seed: 17,
        steps: 4000,
        batch: 64,
        lr: 3e-3,
        beta: 0.0,
        ema: Some(0.95),
    },
    Recipe {
        name: "pixelcnn",
        arch: &AvatarPixels,
        seed: 18,
        steps: 2000,
        batch: 16,
        lr: 2e-3,
        beta: 0.0,
        ema: Some(0.95),
    },
];

/// Lesson 8's flows: RealNVP on two moons (the flow the reader trains and takes apart),
/// Glow's pieces on the ring, RealNVP on lesson 1's land map.
pub const FLOW_RECIPES: &[Recipe] = &[
    Recipe {
        name: "flow-moons",
        arch: &Plane2d {
            target: 1,
            glow: false,
        },
        seed: 19,
        steps: 6000,
        batch: 256,
        lr: 3e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "flow-ring-glow",
        arch: &Plane2d {
            target: 0,
            glow: true,
        },
        seed: 20,
        steps: 8000,
        batch: 256,
        lr: 1e-3,
        beta: 0.0,
        ema: None,
    },
    Recipe {
        name: "flow-land",
        arch: &Plane2d {
            target: 3,
            glow: false,
        },
        seed: 21,
        steps: 8000,
        batch: 256,
        lr: 3e-3,
        beta: 0.0,
        ema: None,
    },
];

/// Lesson 9's energy on the ring of eight, by denoising score matching.
pub const EBM_RECIPES: &[Recipe] = &[Recipe {
    name: "ebm-ring",
    arch: &Plane2dEnergy { target: 0 },
    seed: 22,
    steps: 10000,
    batch: 256,
    lr: 2e-3,
    beta: 0.0,
    ema: None,
}];

/// Lesson 9's restricted Boltzmann machine on people in black and white, by CD-1.
pub const RBM_RECIPES: &[Recipe] = &[Recipe {
    name: "rbm-avatars",
    arch: &AvatarRbm,
    seed: 23,
    steps: 6000,
    batch: 64,
    lr: 2e-3,
    beta: 0.0,
    ema: None,
}];

/// Every recipe, in the order `cargo xtask train all` runs them.
pub fn all_recipes() -> impl Iterator<Item = &'static Recipe> {
    RECIPES
        .iter()
        .chain(DIFFUSION_RECIPES)
        .chain(GAN_RECIPES)
        .chain(AR_RECIPES)
        .chain(FLOW_RECIPES)
        .chain(EBM_RECIPES)
        .chain(RBM_RECIPES)
}

pub fn recipe(name: &str) -> Option<&'static Recipe> {
    all_recipes().find(|r| r.name == name)
}
