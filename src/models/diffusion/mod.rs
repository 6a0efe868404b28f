//! Denoising diffusion (lesson 10): noise schedules, the forward process, denoisers that
//! predict the added noise (a small MLP for 2-D points, a small U-Net for 32×32 avatars,
//! conditioned on the five features with a "no condition" token for classifier-free
//! guidance), and the DDPM and DDIM samplers. Sampling runs on whatever device the
//! parameters live on; every step is tensor maths, so the same code runs on WebGPU.

mod denoiser2d;
mod images;
mod sample;
mod schedule;
mod toy;
mod unet;

pub use denoiser2d::*;
pub use images::*;
pub use sample::*;
pub use schedule::*;
pub use toy::*;
pub use unet::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::{Device, Tensor};

    #[test]
    fn schedule_matches_the_ddpm_formulas() {
        let s = Schedule::new(ScheduleKind::Linear, 1000);
        // β_1 = 1e-4, β_1000 = 0.02; ᾱ_1 = 1 − β_1; ᾱ_2 = (1 − β_1)(1 − β_2).
        assert!((s.beta(1) - 1e-4).abs() < 1e-12 && (s.beta(1000) - 0.02).abs() < 1e-12);
        let b2 = 1e-4 + (0.02 - 1e-4) / 999.0;
        assert!((s.ab(1) - 0.9999).abs() < 1e-12);
        assert!((s.ab(2) - 0.9999 * (1.0 - b2)).abs() < 1e-12);
        // Hand-computed: ᾱ_1000 of the linear schedule ≈ 4.0358e-5.
        assert!((s.ab(1000) - 4.0358e-5).abs() < 1e-7, "{}", s.ab(1000));
        // Posterior at t = 2: c0 = β₂√ᾱ₁/(1−ᾱ₂), ct = (1−ᾱ₁)√α₂/(1−ᾱ₂), var = (1−ᾱ₁)/(1−ᾱ₂)·β₂.
        let (c0, ct, var) = s.posterior(2);
        let (ab1, ab2): (f64, f64) = (0.9999, 0.9999 * (1.0 - b2));
        assert!((c0 - b2 * ab1.sqrt() / (1.0 - ab2)).abs() < 1e-12);
        assert!((ct - 1e-4 * (1.0 - b2).sqrt() / (1.0 - ab2)).abs() < 1e-12);
        assert!((var - 1e-4 / (1.0 - ab2) * b2).abs() < 1e-15);
        // At t = 1 the posterior is x₀ itself.
        let (c0, ct, var) = s.posterior(1);
        assert!((c0 - 1.0).abs() < 1e-9 && ct == 0.0 && var == 0.0);
        // Cosine: ᾱ_T is tiny, ᾱ falls monotonically, SNR(T/2) ≈ 1 (cos² = sin² at the middle).
        let c = Schedule::new(ScheduleKind::Cosine, 1000);
        assert!(c.ab(1000) < 1e-4);
        assert!(c.alpha_bar.windows(2).all(|w| w[1] < w[0]));
        assert!((c.snr(500).ln()).abs() < 0.05, "{}", c.snr(500));
    }

    #[test]
    fn ddim_timesteps_cover_the_range() {
        assert_eq!(ddim_timesteps(1000, 1), vec![1]);
        let v = ddim_timesteps(1000, 50);
        assert_eq!((v[0], *v.last().unwrap(), v.len()), (1000, 1, 50));
        assert!(v.windows(2).all(|w| w[0] > w[1]));
    }

    #[test]
    fn perfect_noise_prediction_recovers_x0() {
        // With the true ε, x̂₀ is exact and a DDIM step lands on the forward process at prev.
        let s = Schedule::new(ScheduleKind::Cosine, 100);
        let d = Device::Cpu;
        let x0 = Tensor::new(vec![0.5, -0.25, 0.9, 0.1], &[2, 2], &d).unwrap();
        let eps = Tensor::new(vec![0.3, -1.2, 0.7, 2.0], &[2, 2], &d).unwrap();
        let xt = q_sample(&s, &x0, &[40, 40], &eps).unwrap();
        let x0h = predict_x0(&s, &xt, &eps, 40, false).unwrap();
        for (a, b) in x0h
            .cpu_values()
            .unwrap()
            .iter()
            .zip(x0.cpu_values().unwrap())
        {
            assert!((a - b).abs() < 1e-5);
        }
        let (prev, _) = ddim_step(&s, &xt, &eps, 40, 20, false).unwrap();
        let want = q_sample(&s, &x0, &[20, 20], &eps).unwrap();
        for (a, b) in prev
            .cpu_values()
            .unwrap()
            .iter()
            .zip(want.cpu_values().unwrap())
        {
            assert!((a - b).abs() < 1e-5);
        }
        assert!(
            energy_distance(&[(0.0, 0.0), (1.0, 0.0)], &[(0.0, 0.0), (1.0, 0.0)]).abs() < 1e-12
        );
    }

    #[test]
    fn velocity_gives_back_the_noise_and_the_image() {
        // v = √ᾱ ε − √(1 − ᾱ) x₀ (hand-computed at one t), and ε recovered from v is the
        // true ε at every t, the noisiest included.
        let s = Schedule::new(ScheduleKind::Cosine, 1000);
        let d = Device::Cpu;
        let x0 = Tensor::new(vec![0.5, -0.25, 0.9, 0.1], &[2, 2], &d).unwrap();
        let eps = Tensor::new(vec![0.3, -1.2, 0.7, 2.0], &[2, 2], &d).unwrap();
        let v = v_target(&s, &x0, &[400, 400], &eps).unwrap();
        let ab = s.ab(400);
        let want = ab.sqrt() * 0.3 - (1.0 - ab).sqrt() * 0.5;
        assert!((v.cpu_values().unwrap()[0] as f64 - want).abs() < 1e-6);
        for t in [1, 400, 999, 1000] {
            let xt = q_sample(&s, &x0, &[t, t], &eps).unwrap();
            let v = v_target(&s, &x0, &[t, t], &eps).unwrap();
            let back = eps_from_v(&s, &xt, &v, t).unwrap().cpu_values().unwrap();
            for (a, b) in back.iter().zip(eps.cpu_values().unwrap()) {
                assert!((a - b).abs() < 1e-5, "t = {t}: {a} vs {b}");
            }
        }
    }
}
