//! Lesson 7's neural character models of names: an MLP over a window of the last few
//! characters (Bengio et al. 2003), and a tiny decoder-only transformer (token and position
//! embeddings, causal multi-head self-attention, MLP, layer norm). Both read a name as
//! tokens after the start symbol and give, at every position, logits for the next symbol.
//!
//! Their uses on trained weights (the next symbol's distribution after a prefix, the bits
//! of each symbol of a name, sampled names, the attention maps) run on the CPU.

use crate::autodiff::{Tape, Var};
use crate::data::names::{self, NameSource, BLOCK, END, VOCAB};
use crate::data::Rng;
use crate::models::autoregressive::{softmax, Temper};
use crate::nn::layers::{Embedding, LayerNorm, SelfAttention};
use crate::nn::{cross_entropy_over, Linear, Params};
use crate::tensor::{Device, Result, Tensor, TensorError, UnaryOp};

/// A network giving next-symbol logits at every position.
pub trait CharModel: std::fmt::Debug + Send + Sync + 'static {
    /// Logits [B, T, VOCAB] for token rows `tokens` (each starting with the start symbol,
    /// all of length T), and the attention weights of each layer ([B, heads, T, T]) where
    /// the network has any. Position t's logits depend only on tokens 0..=t.
    fn forward<'t>(
        &self,
        p: &[Var<'t>],
        tokens: &[Vec<usize>],
        dev: &Device,
    ) -> Result<(Var<'t>, Vec<Var<'t>>)>;
}

/// Token rows as a [B·T] tensor of whole numbers (for an embedding lookup).
fn index_tensor(rows: &[Vec<usize>], dev: &Device) -> Result<Tensor> {
    let flat: Vec<f32> = rows.iter().flatten().map(|&t| t as f32).collect();
    Tensor::new(flat.clone(), &[flat.len()], dev)
}

/// The MLP over the last `context` symbols (the start symbol fills in before a name).
#[derive(Clone, Debug)]
pub struct CharMlp {
    pub context: usize,
    pub embed: Embedding,
    pub dim: usize,
    pub hidden: Linear,
    pub out: Linear,
}

impl CharMlp {
    pub fn new(
        p: &mut Params,
        context: usize,
        dim: usize,
        width: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        CharMlp {
            context,
            embed: Embedding::new(p, "embed", VOCAB, dim, rng, dev),
            dim,
            hidden: Linear::new(p, "hidden", context * dim, width, rng, dev),
            out: Linear::new(p, "out", width, VOCAB, rng, dev),
        }
    }
}

impl CharModel for CharMlp {
    fn forward<'t>(
        &self,
        p: &[Var<'t>],
        tokens: &[Vec<usize>],
        dev: &Device,
    ) -> Result<(Var<'t>, Vec<Var<'t>>)> {
        let (b, t) = (tokens.len(), tokens[0].len());
        // For each position, the window of the last `context` tokens (padded with starts).
        let windows: Vec<Vec<usize>> = tokens
            .iter()
            .flat_map(|row| {
                (0..t).map(move |i| {
                    (0..self.context)
                        .map(|j| {
                            (i + j + 1)
                                .checked_sub(self.context)
                                .map_or(END, |k| row[k])
                        })
                        .collect()
                })
            })
            .collect();
        let e = self.embed.forward(p, &index_tensor(&windows, dev)?)?; // [B·T·ctx, dim]
        let h = e
            .reshape(&[b * t, self.context * self.dim])?
            .matmul(&p[self.hidden.w])?
            .add(&p[self.hidden.b])?
            .unary(UnaryOp::Tanh, 0.0)?;
        let logits = self.out.forward(p, &h)?.reshape(&[b, t, VOCAB])?;
        Ok((logits, Vec::new()))
    }
}

/// One transformer block: pre-norm attention and MLP, each added to the stream.
#[derive(Clone, Debug)]
pub struct Block {
    pub norm1: LayerNorm,
    pub attn: SelfAttention,
    pub norm2: LayerNorm,
    pub up: Linear,
    pub down: Linear,
}

/// A decoder-only transformer over names.
#[derive(Clone, Debug)]
pub struct TinyGpt {
    pub dim: usize,
    pub heads: usize,
    pub token: Embedding,
    pub position: Embedding,
    pub blocks: Vec<Block>,
    pub norm: LayerNorm,
    pub head: Linear,
}

impl TinyGpt {
    pub fn new(
        p: &mut Params,
        dim: usize,
        heads: usize,
        layers: usize,
        rng: &mut Rng,
        dev: &Device,
    ) -> Self {
        let token = Embedding::scaled(p, "token", VOCAB, dim, 0.1, rng, dev);
        let position = Embedding::scaled(p, "position", BLOCK, dim, 0.1, rng, dev);
        let blocks = (0..layers)
            .map(|l| Block {
                norm1: LayerNorm::new(p, &format!("block{l}.norm1"), dim, dev),
                attn: SelfAttention::new(p, &format!("block{l}.attn"), dim, heads, true, rng, dev),
                norm2: LayerNorm::new(p, &format!("block{l}.norm2"), dim, dev),
                up: Linear::new(p, &format!("block{l}.up"), dim, 4 * dim, rng, dev),
                down: Linear::new(p, &format!("block{l}.down"), 4 * dim, dim, rng, dev),
            })
            .collect();
        TinyGpt {
            dim,
            heads,
            token,
            position,
            blocks,
            norm: LayerNorm::new(p, "norm", dim, dev),
            head: Linear::new(p, "head", dim, VOCAB, rng, dev),
        }
    }
}

impl CharModel for TinyGpt {
    fn forward<'t>(
        &self,
        p: &[Var<'t>],
        tokens: &[Vec<usize>],
        dev: &Device,
    ) -> Result<(Var<'t>, Vec<Var<'t>>)> {
        let (b, t) = (tokens.len(), tokens[0].len());
        if t > BLOCK {
            return Err(TensorError::Shape(crate::tensor::ShapeError(format!(
                "{t} tokens exceed the context of {BLOCK}"
            ))));
        }
        let tok = self
            .token
            .forward(p, &index_tensor(tokens, dev)?)?
            .reshape(&[b, t, self.dim])?;
        let pos = self
            .position
            .forward(p, &index_tensor(&[(0..t).collect()], dev)?)?;
        let mut x = tok.add(&pos)?;
        let mut maps = Vec::new();
        for blk in &self.blocks {
            let (a, w) = blk.attn.forward(p, &blk.norm1.forward(p, &x)?)?;
            x = x.add(&a)?;
            let m = blk.down.forward(
                p,
                &blk.up
                    .forward(p, &blk.norm2.forward(p, &x)?)?
                    .unary(UnaryOp::Gelu, 0.0)?,
            )?;
            x = x.add(&m)?;
            maps.push(w);
        }
        let logits = self.head.forward(p, &self.norm.forward(p, &x)?)?;
        Ok((logits, maps))
    }
}

/// Inputs and targets of a batch of names: inputs start with the start symbol; targets are
/// the letters then the end; rows are padded to the longest (padding is no target).
pub fn batch(names: &[String]) -> (Vec<Vec<usize>>, Vec<Option<usize>>) {
    let toks: Vec<Vec<usize>> = names
        .iter()
        .map(|s| names::encode(s).expect("names are a–z"))
        .collect();
    let t = toks.iter().map(|r| r.len() + 1).max().unwrap_or(1);
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for r in &toks {
        let mut i = vec![END];
        i.extend(r);
        i.resize(t, END);
        inputs.push(i);
        for k in 0..t {
            targets.push(match k.cmp(&r.len()) {
                std::cmp::Ordering::Less => Some(r[k]),
                std::cmp::Ordering::Equal => Some(END),
                std::cmp::Ordering::Greater => None,
            });
        }
    }
    (inputs, targets)
}

/// The mean cross-entropy (nats per symbol) of `m` on `names`.
pub fn loss<'t, M: CharModel>(
    m: &M,
    tape: &'t Tape,
    p: &[Var<'t>],
    names: &[String],
    dev: &Device,
) -> Result<Var<'t>> {
    let (inputs, targets) = batch(names);
    let (logits, _) = m.forward(p, &inputs, dev)?;
    let rows = targets.len();
    let mut hot = vec![0.0f32; rows * VOCAB];
    let mut count = 0;
    for (i, t) in targets.iter().enumerate() {
        if let Some(t) = t {
            hot[i * VOCAB + t] = 1.0;
            count += 1;
        }
    }
    let hot = tape.leaf(Tensor::new(hot, &[rows, VOCAB], dev)?);
    cross_entropy_over(&logits.reshape(&[rows, VOCAB])?, &hot, count)
}

/// A training batch: `n` names drawn from the source.
pub fn training_names(n: usize, rng: &mut Rng) -> Vec<String> {
    (0..n).map(|_| NameSource.sample(rng)).collect()
}

/// The next symbol's distribution after each prefix (letters only; the start symbol is
/// put in front), on the CPU.
pub fn next_cpu<M: CharModel>(m: &M, p: &Params, prefixes: &[Vec<usize>]) -> Result<Vec<Vec<f64>>> {
    let mut out = Vec::with_capacity(prefixes.len());
    // Prefixes of one length share a forward pass.
    let mut by_len: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (i, r) in prefixes.iter().enumerate() {
        by_len.entry(r.len()).or_default().push(i);
    }
    out.resize(prefixes.len(), Vec::new());
    let tape = Tape::new();
    let vars = p.bind(&tape);
    for (len, idx) in by_len {
        let rows: Vec<Vec<usize>> = idx
            .iter()
            .map(|&i| {
                std::iter::once(END)
                    .chain(prefixes[i].iter().copied())
                    .collect()
            })
            .collect();
        let (logits, _) = m.forward(&vars, &rows, &Device::Cpu)?;
        let v = logits.value().cpu_vec()?;
        let t = len + 1;
        for (k, &i) in idx.iter().enumerate() {
            let at = (k * t + len) * VOCAB;
            out[i] = softmax(&v[at..at + VOCAB]);
        }
    }
    Ok(out)
}

/// −log₂ of each symbol of each name (its letters, then the end), on the CPU.
pub fn bits_cpu<M: CharModel>(m: &M, p: &Params, names: &[String]) -> Result<Vec<Vec<f64>>> {
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let (inputs, targets) = batch(names);
    let t = inputs[0].len();
    let (logits, _) = m.forward(&vars, &inputs, &Device::Cpu)?;
    let v = logits.value().cpu_vec()?;
    Ok((0..names.len())
        .map(|r| {
            (0..t)
                .filter_map(|k| {
                    let target = targets[r * t + k]?;
                    let at = (r * t + k) * VOCAB;
                    Some(-softmax(&v[at..at + VOCAB])[target].log2())
                })
                .collect()
        })
        .collect())
}

/// Each layer's attention weights for one text (letters), as [heads][T][T] with T the
/// text's length plus the start symbol.
pub fn attention_cpu<M: CharModel>(
    m: &M,
    p: &Params,
    text: &[usize],
) -> Result<Vec<Vec<Vec<f32>>>> {
    let tape = Tape::new();
    let vars = p.bind(&tape);
    let row: Vec<usize> = std::iter::once(END).chain(text.iter().copied()).collect();
    let (_, maps) = m.forward(&vars, &[row], &Device::Cpu)?;
    maps.iter()
        .map(|w| {
            let s = w.shape();
            let (h, t) = (s[1], s[2]);
            let v = w.value().cpu_vec()?;
            Ok((0..h)
                .map(|k| v[k * t * t..(k + 1) * t * t].to_vec())
                .collect())
        })
        .collect()
}

/// `n` names drawn one symbol at a time from the model tempered by `temper`, each symbol
/// with its probability under the tempered law; all names advance together (one forward
/// pass per position).
pub fn sample_cpu<M: CharModel>(
    m: &M,
    p: &Params,
    n: usize,
    temper: Temper,
    rng: &mut Rng,
) -> Result<Vec<Vec<(usize, f64)>>> {
    let mut out: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut live: Vec<usize> = (0..n).collect();
    while !live.is_empty() {
        let prefixes: Vec<Vec<usize>> = live
            .iter()
            .map(|&i| out[i].iter().map(|c| c.0).collect())
            .collect();
        let dists = next_cpu(m, p, &prefixes)?;
        let mut still = Vec::new();
        for (&i, d) in live.iter().zip(dists) {
            // Once the context is full only the end can follow.
            let (c, q) = if out[i].len() == names::MAX_LEN {
                (END, 1.0)
            } else {
                temper.draw(&d, rng)
            };
            out[i].push((c, q));
            if c != END {
                still.push(i);
            }
        }
        live = still;
    }
    Ok(out)
}
