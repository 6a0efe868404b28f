//! PixelCNN's masked convolution: a stack of one type-A layer and type-B layers is causal in
//! raster order on both backends (checked through gradients), its masked weights get no
//! gradient, and the masks are what the raster order asks for.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;
use genlab::data::Rng;
use genlab::nn::layers::{MaskType, MaskedConv2d};
use genlab::nn::Params;
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, Tensor, UnaryOp};

const SIDE: usize = 6;
const C: usize = 3;

/// The gradient of output pixel `at` (all channels, fixed weights) with respect to the
/// input image, and of the layers' weights.
fn grads(dev: &Device, at: usize) -> (Vec<f32>, Vec<Vec<f32>>) {
    let mut p = Params::default();
    let mut rng = Rng::new(3);
    let layers = [
        MaskedConv2d::new(&mut p, "a", C, 4, 5, MaskType::A, &mut rng, dev),
        MaskedConv2d::new(&mut p, "b1", 4, 4, 3, MaskType::B, &mut rng, dev),
        MaskedConv2d::new(&mut p, "b2", 4, 2, 3, MaskType::B, &mut rng, dev),
    ];
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let input: Vec<f32> = (0..C * SIDE * SIDE)
        .map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0)
        .collect();
    let x = tape.leaf(Tensor::new(input, &[1, C, SIDE, SIDE], dev).unwrap());
    let mut h = x;
    for (i, l) in layers.iter().enumerate() {
        h = l.forward(&vars, &h).unwrap();
        if i + 1 < layers.len() {
            h = h.unary(UnaryOp::Tanh, 0.0).unwrap();
        }
    }
    let n = 2 * SIDE * SIDE;
    let mut w = vec![0.0f32; n];
    for c in 0..2 {
        w[c * SIDE * SIDE + at] = 1.0 + c as f32;
    }
    let wt = tape.leaf(Tensor::new(w, &[1, 2, SIDE, SIDE], dev).unwrap());
    let loss = h.mul(&wt).unwrap().reshape(&[n]).unwrap().sum(0).unwrap();
    let g = tape.backward(loss).unwrap();
    let read = |v| g.get(v).map(|t: &Tensor| block_on(t.to_vec()).unwrap());
    let gx = read(x).unwrap();
    let gw = layers
        .iter()
        .map(|l| read(vars[l.conv.w]).unwrap())
        .collect();
    (gx, gw)
}

#[test]
fn a_masked_stack_is_causal_in_raster_order_on_both_backends() {
    let gpu = Device::Gpu(block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)"));
    for at in [0, 7, 14, 20, 35] {
        let (cpu_x, cpu_w) = grads(&Device::Cpu, at);
        let (gpu_x, gpu_w) = grads(&gpu, at);
        for (gx, name) in [(&cpu_x, "CPU"), (&gpu_x, "GPU")] {
            for c in 0..C {
                for i in 0..SIDE * SIDE {
                    let g = gx[c * SIDE * SIDE + i];
                    if i >= at {
                        assert_eq!(g, 0.0, "{name}: output {at} depends on input pixel {i}");
                    }
                }
            }
            let before = (0..at).any(|i| (0..C).any(|c| gx[c * SIDE * SIDE + i] != 0.0));
            assert_eq!(before, at > 0, "{name}: output {at} sees earlier pixels");
        }
        for (a, b) in cpu_x.iter().zip(&gpu_x) {
            assert!((a - b).abs() < 1e-4, "CPU {a} vs GPU {b}");
        }
        // Masked weights get no gradient, on both backends.
        for (l, (wc, wg)) in cpu_w.iter().zip(&gpu_w).enumerate() {
            let (k, t) = if l == 0 {
                (5, MaskType::A)
            } else {
                (3, MaskType::B)
            };
            let mask = MaskedConv2d::mask_values(k, t);
            for (i, (a, b)) in wc.iter().zip(wg).enumerate() {
                if mask[i % (k * k)] == 0.0 {
                    assert_eq!(
                        (*a, *b),
                        (0.0, 0.0),
                        "layer {l}: masked weight {i} has a gradient"
                    );
                }
            }
        }
    }
}

#[test]
fn masks_open_the_past_only() {
    let a = MaskedConv2d::mask_values(3, MaskType::A);
    let b = MaskedConv2d::mask_values(3, MaskType::B);
    assert_eq!(a, vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(b, vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
}
