//! PyTorch's module layout. Each layer records what it is in `torch.nn` terms
//! ([`TorchModule`], kept in [`Params::modules`]), so any network of the zoo can be
//! written as a state dict that `load_state_dict(strict=True)` accepts, with a module
//! definition in Python beside it.
//!
//! Our layout differs in two places: a `Linear` keeps its weight as [in, out] (PyTorch:
//! [out, in]), and a `GroupNorm` keeps its gain and bias as [C, 1, 1] (PyTorch: [C]).
//! Convolutions ([out, in, k, k]), transposed convolutions ([in, out, k, k]), layer norms
//! and embeddings already match. Parameters that belong to no layer (an RBM's weights, a
//! flow's scales) are plain `nn.Parameter`s.

use super::weights::{self, WeightsError};
use super::Params;
use std::collections::HashMap;

/// A layer as `torch.nn` knows it.
#[derive(Clone, Debug, PartialEq)]
pub enum TorchModule {
    Linear {
        inp: usize,
        out: usize,
    },
    Conv2d {
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        pad: usize,
    },
    ConvTranspose2d {
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        pad: usize,
    },
    LayerNorm {
        dim: usize,
    },
    GroupNorm {
        groups: usize,
        channels: usize,
    },
    Embedding {
        count: usize,
        dim: usize,
    },
}

impl TorchModule {
    /// The constructor call, e.g. `nn.Linear(2, 64)`.
    pub fn python(&self) -> String {
        match *self {
            TorchModule::Linear { inp, out } => format!("nn.Linear({inp}, {out})"),
            TorchModule::Conv2d {
                cin,
                cout,
                k,
                stride,
                pad,
            } => {
                format!("nn.Conv2d({cin}, {cout}, {k}, stride={stride}, padding={pad})")
            }
            TorchModule::ConvTranspose2d {
                cin,
                cout,
                k,
                stride,
                pad,
            } => {
                format!("nn.ConvTranspose2d({cin}, {cout}, {k}, stride={stride}, padding={pad})")
            }
            TorchModule::LayerNorm { dim } => format!("nn.LayerNorm({dim})"),
            TorchModule::GroupNorm { groups, channels } => {
                format!("nn.GroupNorm({groups}, {channels})")
            }
            TorchModule::Embedding { count, dim } => format!("nn.Embedding({count}, {dim})"),
        }
    }

    /// A parameter of this module (`leaf`: "weight", "bias") in PyTorch's layout: its
    /// shape and values, from ours.
    fn to_torch(&self, leaf: &str, shape: &[usize], v: &[f32]) -> (Vec<usize>, Vec<f32>) {
        match (self, leaf) {
            (TorchModule::Linear { .. }, "weight") if shape.len() == 2 => {
                (vec![shape[1], shape[0]], transpose(v, shape[0], shape[1]))
            }
            (TorchModule::GroupNorm { channels, .. }, _) => (vec![*channels], v.to_vec()),
            _ => (shape.to_vec(), v.to_vec()),
        }
    }

    /// The reverse of [`TorchModule::to_torch`]: a parameter of PyTorch's shape `shape`
    /// in ours (`ours`), or `None` when the shapes do not correspond.
    fn to_ours(&self, leaf: &str, shape: &[usize], ours: &[usize], v: &[f32]) -> Option<Vec<f32>> {
        let (torch_shape, _) = self.to_torch(leaf, ours, &[]);
        if shape != torch_shape.as_slice() {
            return None;
        }
        match (self, leaf) {
            (TorchModule::Linear { .. }, "weight") => Some(transpose(v, shape[0], shape[1])),
            _ => Some(v.to_vec()),
        }
    }
}

/// A row-major [r, c] matrix as [c, r].
fn transpose(v: &[f32], r: usize, c: usize) -> Vec<f32> {
    if v.len() != r * c {
        return v.to_vec();
    }
    let mut out = vec![0.0; v.len()];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = v[i * c + j];
        }
    }
    out
}

impl Params {
    /// Records that the parameters named `name.*` form this `torch.nn` module.
    pub fn module(&mut self, name: &str, m: TorchModule) {
        self.modules.push((name.to_string(), m));
    }

    /// The module parameter `i` belongs to, and its leaf name ("weight").
    fn module_of(&self, i: usize) -> Option<(&TorchModule, &str)> {
        let name = &self.names[i];
        self.modules.iter().find_map(|(prefix, m)| {
            name.strip_prefix(prefix.as_str())
                .and_then(|r| r.strip_prefix('.'))
                .filter(|leaf| !leaf.contains('.'))
                .map(|leaf| (m, leaf))
        })
    }

    /// Parameter `i`'s values from a file written in PyTorch's layout (shape `shape`),
    /// if that is what they are.
    pub(crate) fn ours_from_torch(&self, i: usize, shape: &[usize], v: &[f32]) -> Option<Vec<f32>> {
        let ours = self.values[i].shape();
        match self.module_of(i) {
            Some((m, leaf)) => m.to_ours(leaf, shape, ours, v),
            None => (shape == ours).then(|| v.to_vec()),
        }
    }
}

/// The parameters (on the CPU) as a safetensors file in PyTorch's layout, with
/// `metadata`.
pub fn export(p: &Params, metadata: &HashMap<String, String>) -> Result<Vec<u8>, WeightsError> {
    let mut ts = Vec::with_capacity(p.values.len());
    for (i, (name, v)) in p.names.iter().zip(&p.values).enumerate() {
        let vals = v
            .cpu_values()
            .ok_or_else(|| WeightsError(format!("'{name}' is on the GPU: export a CPU copy")))?;
        let (shape, vals) = match p.module_of(i) {
            Some((m, leaf)) => m.to_torch(leaf, v.shape(), &vals),
            None => (v.shape().to_vec(), vals),
        };
        ts.push((name.clone(), shape, vals));
    }
    let mut meta = metadata.clone();
    meta.insert("layout".into(), "pytorch".into());
    weights::to_bytes(&ts, &meta)
}

/// One node of the module tree that the dotted names describe.
#[derive(Default)]
struct Node {
    /// Children in the order their parameters were added.
    children: Vec<(String, Node)>,
    module: Option<TorchModule>,
    /// A parameter of no module: its shape.
    param: Option<Vec<usize>>,
}

impl Node {
    fn child(&mut self, key: &str) -> &mut Node {
        match self.children.iter().position(|(k, _)| k == key) {
            Some(i) => &mut self.children[i].1,
            None => {
                self.children.push((key.to_string(), Node::default()));
                &mut self.children.last_mut().expect("just pushed").1
            }
        }
    }

    fn python(&self, indent: usize) -> String {
        if let Some(m) = &self.module {
            return m.python();
        }
        if let Some(shape) = &self.param {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            return format!("nn.Parameter(torch.zeros({}))", dims.join(", "));
        }
        let pad = "    ".repeat(indent + 1);
        let items: Vec<String> = self
            .children
            .iter()
            .map(|(k, n)| format!("{pad}{k:?}: {},\n", n.python(indent + 1)))
            .collect();
        format!("Node({{\n{}{}}})", items.concat(), "    ".repeat(indent))
    }
}

/// The Python that builds a module whose `state_dict` has exactly these parameters'
/// names and PyTorch shapes, and loads `file` into it with `strict=True`.
pub fn module_definition(p: &Params, file: &str) -> String {
    let mut root = Node::default();
    for (prefix, m) in &p.modules {
        let mut n = &mut root;
        for key in prefix.split('.') {
            n = n.child(key);
        }
        n.module = Some(m.clone());
    }
    for (i, name) in p.names.iter().enumerate() {
        if p.module_of(i).is_some() {
            continue;
        }
        let mut n = &mut root;
        for key in name.split('.') {
            n = n.child(key);
        }
        n.param = Some(p.values[i].shape().to_vec());
    }
    format!(
        "import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n\n\
class Node(nn.Module):\n    \"\"\"Holds named layers and parameters, as Genlab names them.\"\"\"\n\n    \
def __init__(self, children):\n        super().__init__()\n        \
for name, child in children.items():\n            \
if isinstance(child, nn.Parameter):\n                self.register_parameter(name, child)\n            \
else:\n                self.add_module(name, child)\n\n\
net = {}\n\
net.load_state_dict(load_file({file:?}), strict=True)\n",
        root.python(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rng;
    use crate::nn::layers::GroupNorm;
    use crate::nn::Linear;
    use crate::tensor::{Device, Tensor};

    fn net() -> Params {
        let mut p = Params::default();
        let mut rng = Rng::new(1);
        Linear::new(&mut p, "body.0", 3, 2, &mut rng, &Device::Cpu);
        GroupNorm::new(&mut p, "body.norm", 1, 2, &Device::Cpu);
        p.add("scale", Tensor::from_vec(vec![0.5, 2.0], &[2]).unwrap());
        p
    }

    #[test]
    fn linear_weights_transpose_and_norm_gains_flatten() {
        let p = net();
        let file = export(&p, &HashMap::new()).unwrap();
        let w = weights::from_bytes(&file).unwrap();
        let ours = p.values[0].cpu_values().unwrap(); // [3, 2]
        let (shape, theirs) = &w.tensors["body.0.weight"];
        assert_eq!(shape, &vec![2, 3]);
        for i in 0..3 {
            for j in 0..2 {
                assert_eq!(theirs[j * 3 + i], ours[i * 2 + j]);
            }
        }
        assert_eq!(w.tensors["body.norm.weight"].0, vec![2]);
        assert_eq!(w.tensors["scale"].0, vec![2]);
        assert_eq!(w.metadata["layout"], "pytorch");
    }

    #[test]
    fn the_definition_names_every_module_and_loose_parameter() {
        let py = module_definition(&net(), "net.safetensors");
        assert!(py.contains(r#""0": nn.Linear(3, 2)"#), "{py}");
        assert!(py.contains(r#""norm": nn.GroupNorm(1, 2)"#), "{py}");
        assert!(
            py.contains(r#""scale": nn.Parameter(torch.zeros(2))"#),
            "{py}"
        );
        assert!(
            py.contains(r#"load_file("net.safetensors"), strict=True"#),
            "{py}"
        );
    }
}
