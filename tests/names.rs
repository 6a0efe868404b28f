//! Lesson 7's character models of names: causal on both backends (checked through
//! gradients), attention rows that are distributions with nothing above the diagonal, the
//! recipes training the same on CPU and GPU, and the shipped weights measured against the
//! name source's exact entropy rate and the bigram's.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::Tape;
use genlab::data::names::{self, NameSource};
use genlab::data::Rng;
use genlab::models::autoregressive::{bits_per_symbol, Bigram, Temper};
use genlab::models::charlm::{self as lm, CharMlp, CharModel, TinyGpt};
use genlab::models::zoo::{recipe, CharLm, Net};
use genlab::nn::Params;
use genlab::tensor::{block_on, Device};
mod shipped;
use shipped::{first_losses, gpu, shipped};

/// The gradient of Σ logits[0, i, :]·r with respect to every parameter, read back.
fn grads_at<M: CharModel>(
    m: &M,
    p: &Params,
    row: &[usize],
    i: usize,
    dev: &Device,
) -> Vec<Vec<f32>> {
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let (logits, _) = m.forward(&vars, &[row.to_vec()], dev).unwrap();
    let t = row.len();
    let vocab = names::VOCAB;
    let mut w = vec![0.0f32; t * vocab];
    for v in 0..vocab {
        w[i * vocab + v] = ((v * 7 + 3) % 11) as f32 / 11.0 - 0.4;
    }
    let wt = tape.leaf(genlab::tensor::Tensor::new(w, &[1, t, vocab], dev).unwrap());
    let loss = logits
        .mul(&wt)
        .unwrap()
        .reshape(&[t * vocab])
        .unwrap()
        .sum(0)
        .unwrap();
    let g = tape.backward(loss).unwrap();
    vars.iter()
        .map(|v| {
            g.get(*v)
                .map(|t| block_on(t.to_vec()).unwrap())
                .unwrap_or_else(|| vec![0.0; v.shape().iter().product()])
        })
        .collect()
}

/// Position i's output does not depend on tokens after i: the embedding rows of tokens
/// that occur only after i, and (for the transformer) the position rows after i, get no
/// gradient from it, while those at or before i (within the model's window) do.
fn check_causal<M: CharModel>(
    m: &M,
    p: &Params,
    embed: usize,
    position: Option<usize>,
    window: usize,
    dev: &Device,
) {
    // Tokens: start, a, b, c, then x, y, z (which occur only after position 3).
    let row = [0, 1, 2, 3, 24, 25, 26];
    let dim = p.values[embed].shape()[1];
    for i in 0..row.len() {
        let g = grads_at(m, p, &row, i, dev);
        let norm = |param: usize, r: usize| {
            g[param][r * dim..(r + 1) * dim]
                .iter()
                .map(|v| v.abs())
                .sum::<f32>()
        };
        for (k, &tok) in row.iter().enumerate() {
            let later_only = row[..=i].iter().all(|&t| t != tok);
            if later_only {
                assert_eq!(
                    norm(embed, tok),
                    0.0,
                    "position {i} depends on token {tok} at {k} ({dev:?})"
                );
            } else if k <= i && i - k < window {
                assert!(
                    norm(embed, tok) > 0.0,
                    "position {i} ignores token {tok} at {k} ({dev:?})"
                );
            }
            if let Some(pos) = position {
                if k > i {
                    assert_eq!(
                        norm(pos, k),
                        0.0,
                        "position {i} depends on position {k} ({dev:?})"
                    );
                } else {
                    assert!(
                        norm(pos, k) > 0.0,
                        "position {i} ignores position {k} ({dev:?})"
                    );
                }
            }
        }
    }
}

#[test]
fn both_models_are_causal_on_both_backends() {
    for dev in [Device::Cpu, gpu()] {
        let (net, p) = recipe("names-gpt").unwrap().build(&dev);
        let gpt = &net.get::<CharLm<TinyGpt>>().unwrap().0;
        check_causal(
            gpt,
            &p,
            gpt.token.table,
            Some(gpt.position.table),
            names::BLOCK,
            &dev,
        );
        let (net, p) = recipe("names-mlp").unwrap().build(&dev);
        let mlp = &net.get::<CharLm<CharMlp>>().unwrap().0;
        check_causal(mlp, &p, mlp.embed.table, None, mlp.context, &dev);
    }
}

#[test]
fn attention_rows_are_distributions_below_the_diagonal() {
    for dev in [Device::Cpu, gpu()] {
        let (net, p) = recipe("names-gpt").unwrap().build(&dev);
        let gpt = &net.get::<CharLm<TinyGpt>>().unwrap().0;
        let tape = Tape::new();
        let vars = p.bind(&tape);
        let row = vec![0, 13, 1, 18, 1, 14];
        let (_, maps) = gpt.forward(&vars, &[row.clone()], &dev).unwrap();
        assert_eq!(maps.len(), 2);
        for w in maps {
            let s = w.shape();
            assert_eq!(s, vec![1, 4, 6, 6]);
            let v = block_on(w.value().to_vec()).unwrap();
            for h in 0..4 {
                for q in 0..6 {
                    let r = &v[(h * 6 + q) * 6..(h * 6 + q + 1) * 6];
                    assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{r:?}");
                    assert!(
                        r[q + 1..].iter().all(|&a| a == 0.0),
                        "above the diagonal: {r:?}"
                    );
                    assert!(r[..=q].iter().all(|&a| a > 0.0), "{r:?}");
                }
            }
        }
    }
}

/// The first steps' losses of a recipe (batch 8) on a device.
#[test]
fn the_recipes_train_the_same_on_cpu_and_gpu() {
    let gpu = gpu();
    for name in ["names-mlp", "names-gpt"] {
        let losses = |dev: &Device| -> Vec<f32> {
            first_losses(name, 8, dev, 4).iter().map(|l| l[0]).collect()
        };
        let (cpu, gpu) = (losses(&Device::Cpu), losses(&gpu));
        assert_eq!(cpu.len(), 4);
        for (a, b) in cpu.iter().zip(&gpu) {
            assert!(
                a.is_finite() && (a - b).abs() < 1e-3 * (1.0 + a.abs()),
                "{name}: {cpu:?} vs {gpu:?}"
            );
        }
        // Untrained: about log 27 nats per symbol.
        assert!((cpu[0] - 27f32.ln()).abs() < 0.5, "{name}: {cpu:?}");
    }
}

fn held_out_bits(net: &Net, p: &Params) -> f64 {
    let rows: Vec<Vec<f32>> = names::held_out()
        .iter()
        .map(|s| {
            names::encode(s)
                .unwrap()
                .into_iter()
                .map(|t| t as f32)
                .collect()
        })
        .collect();
    let bits = net.call(p, "bits", &rows, &[]).unwrap().unwrap();
    bits_per_symbol(
        bits.into_iter()
            .map(|b| b.into_iter().map(f64::from).collect()),
    )
}

/// The shipped models against the source: the transformer within 0.03 bits per symbol
/// of the true entropy rate on the held-out names, both neural models below the bigram.
#[test]
fn shipped_models_come_near_the_true_entropy_rate() {
    let held = names::held_out();
    let truth = bits_per_symbol(held.iter().map(|s| {
        let l = s.len() as f64 + 1.0;
        vec![-NameSource.log2_prob(s) / l; s.len() + 1]
    }));
    let bigram = Bigram::fit(&NameSource.sample_n(20_000, 1), 0.01);
    let bigram = bits_per_symbol(held.iter().map(|s| bigram.symbol_bits(s)));
    let (gpt, gp) = shipped("names-gpt", &Device::Cpu);
    let (mlp, mp) = shipped("names-mlp", &Device::Cpu);
    let (g, m) = (held_out_bits(&gpt, &gp), held_out_bits(&mlp, &mp));
    assert!(g < truth + 0.03, "transformer {g} vs the source's {truth}");
    assert!(
        g > truth - 0.05,
        "transformer {g} below the source's {truth}: a bug"
    );
    assert!(g < bigram - 0.2, "transformer {g} vs bigram {bigram}");
    assert!(m < bigram - 0.1, "MLP {m} vs bigram {bigram}");

    // Sampled names: mostly names the source could say.
    let rows = gpt
        .call(&gp, "sample", &[], &[200.0, 1.0, 0.0, 5.0])
        .unwrap()
        .unwrap();
    let said = rows
        .iter()
        .filter(|r| {
            let letters: Vec<usize> = r
                .chunks(2)
                .map(|c| c[0] as usize)
                .take_while(|&c| c != names::END)
                .collect();
            NameSource.prob(&names::decode(&letters)) > 0.0
        })
        .count();
    assert!(said >= 180, "{said} of 200 sampled names are the source's");
    // The next-symbol distribution after the empty prefix is near the source's first
    // letters (TV below 0.03).
    let next = gpt.call(&gp, "next", &[vec![]], &[]).unwrap().unwrap();
    let mut first = vec![0.0f64; names::VOCAB];
    for s in NameSource.sample_n(20_000, 8) {
        first[names::encode(&s).unwrap()[0]] += 1.0 / 20_000.0;
    }
    let tv: f64 = next[0]
        .iter()
        .zip(&first)
        .map(|(a, b)| (*a as f64 - b).abs())
        .sum::<f64>()
        / 2.0;
    assert!(tv < 0.03, "first letters: TV {tv}");
    // Cold sampling repeats itself; a seed fixes the draw.
    let a = lm::sample_cpu(
        &gpt.get::<CharLm<TinyGpt>>().unwrap().0,
        &gp,
        3,
        Temper {
            temperature: 0.0,
            top_k: 0,
        },
        &mut Rng::new(1),
    )
    .unwrap();
    assert!(a.windows(2).all(|w| w[0] == w[1]));
}
