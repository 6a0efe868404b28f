//! Lesson 7's character models of names as trainable models: the context-window MLP and
//! the tiny transformer, trained on names drawn from the source, and what the page asks of
//! them: the next symbol's distribution, the bits of each symbol, sampled names and the
//! attention maps.

use super::{Arch, LossParts, Model, Net, StepData};
use crate::autodiff::{Tape, Var};
use crate::data::names::{self, NAMES_VERSION};
use crate::data::Rng;
use crate::models::autoregressive::Temper;
use crate::models::charlm::{self as lm, CharMlp, CharModel, TinyGpt};
use crate::nn::Params;
use crate::tensor::{Device, Result};

/// A character model of names as a trainable [`Model`].
#[derive(Debug)]
pub struct CharLm<M>(pub M);

/// The context-window MLP: 4 symbols of context, 12-dimensional embeddings, 128 hidden.
#[derive(Debug)]
pub struct NamesMlp;

impl Arch for NamesMlp {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(CharLm(CharMlp::new(p, 4, 12, 128, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        NAMES_VERSION
    }
}

/// The transformer: width 32, 4 heads, 2 layers.
#[derive(Debug)]
pub struct NamesGpt;

impl Arch for NamesGpt {
    fn build(&self, p: &mut Params, rng: &mut Rng, dev: &Device) -> Net {
        Net::new(CharLm(TinyGpt::new(p, 32, 4, 2, rng, dev)))
    }
    fn dataset(&self) -> &'static str {
        NAMES_VERSION
    }
}

fn tokens(row: &[f32]) -> Vec<usize> {
    row.iter().map(|&t| t as usize).collect()
}

fn name_of(row: &[f32]) -> String {
    names::decode(&tokens(row))
}

impl<M: CharModel> Model for CharLm<M> {
    /// Cross-entropy (nats per symbol) on a batch of names drawn from the source.
    fn loss<'t>(&self, tape: &'t Tape, p: &[Var<'t>], s: StepData) -> Result<LossParts<'t>> {
        let batch = lm::training_names(s.batch, s.rng);
        Ok((lm::loss(&self.0, tape, p, &batch, s.dev)?, Vec::new()))
    }

    /// "next": each row a prefix (letter tokens) → the next symbol's 27 probabilities.
    /// "bits": each row a name → −log₂ of each of its symbols (letters, then the end).
    /// "attention": one row of text → per layer and head a row of T×T weights, after a
    /// first row [layers, heads, T]. "sample" (args: count, temperature, top-k, seed) →
    /// per name its symbols and their tempered probabilities, interleaved.
    /// "parameters" → [[count]].
    fn call(
        &self,
        p: &Params,
        function: &str,
        rows: &[Vec<f32>],
        args: &[f64],
    ) -> Option<Result<Vec<Vec<f32>>>> {
        let f32s = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
        Some(match function {
            "next" => {
                let prefixes: Vec<Vec<usize>> = rows.iter().map(|r| tokens(r)).collect();
                lm::next_cpu(&self.0, p, &prefixes).map(|d| d.into_iter().map(f32s).collect())
            }
            "bits" => {
                let names: Vec<String> = rows.iter().map(|r| name_of(r)).collect();
                if names.is_empty() {
                    return Some(Ok(Vec::new()));
                }
                lm::bits_cpu(&self.0, p, &names).map(|b| b.into_iter().map(f32s).collect())
            }
            "attention" => {
                let text = rows.first().map(|r| tokens(r)).unwrap_or_default();
                lm::attention_cpu(&self.0, p, &text).map(|layers| {
                    let heads = layers.first().map_or(0, |l| l.len());
                    let head = vec![vec![
                        layers.len() as f32,
                        heads as f32,
                        (text.len() + 1) as f32,
                    ]];
                    head.into_iter()
                        .chain(layers.into_iter().flatten())
                        .collect()
                })
            }
            "sample" => {
                let arg = |i: usize, d: f64| args.get(i).copied().unwrap_or(d);
                let temper = Temper {
                    temperature: arg(1, 1.0),
                    top_k: arg(2, 0.0) as usize,
                };
                let mut rng = Rng::new(arg(3, 1.0) as u64);
                lm::sample_cpu(&self.0, p, arg(0, 1.0) as usize, temper, &mut rng).map(|names| {
                    names
                        .into_iter()
                        .map(|n| {
                            n.into_iter()
                                .flat_map(|(c, q)| [c as f32, q as f32])
                                .collect()
                        })
                        .collect()
                })
            }
            "parameters" => Ok(vec![vec![p.count() as f32]]),
            _ => return None,
        })
    }
}
