//! Weights as safetensors, the format of PyTorch and the Hugging Face ecosystem (through
//! the reference `safetensors` crate). A corrupt, truncated or mismatched file is a clear
//! error, never a panic.

use super::Params;
use crate::tensor::{Device, Tensor};
use safetensors::tensor::{Dtype, SafeTensors};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub struct WeightsError(pub String);

impl std::fmt::Display for WeightsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WeightsError {}

fn err(s: impl Into<String>) -> WeightsError {
    WeightsError(s.into())
}

/// Serialises named f32 values (row-major) with string metadata. Deterministic: tensors
/// and metadata keys in sorted order, as the Python package writes them (so the same
/// tensors give the same bytes); the `safetensors` crate reads the result back.
pub fn to_bytes(
    tensors: &[(String, Vec<usize>, Vec<f32>)],
    metadata: &HashMap<String, String>,
) -> Result<Vec<u8>, WeightsError> {
    let mut sorted: Vec<&(String, Vec<usize>, Vec<f32>)> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut header = String::from("{");
    if !metadata.is_empty() {
        let mut keys: Vec<&String> = metadata.keys().collect();
        keys.sort();
        let fields: Vec<String> = keys
            .iter()
            .map(|k| format!("{}:{}", json_str(k), json_str(&metadata[*k])))
            .collect();
        header.push_str(&format!("\"__metadata__\":{{{}}}", fields.join(",")));
    }
    let mut offset = 0usize;
    for (i, (name, shape, values)) in sorted.iter().enumerate() {
        if values.len() != shape.iter().product::<usize>() {
            return Err(err(format!(
                "tensor '{name}': {} values for shape {shape:?}",
                values.len()
            )));
        }
        if i > 0 || !metadata.is_empty() {
            header.push(',');
        }
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let end = offset + 4 * values.len();
        header.push_str(&format!(
            "{}:{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            json_str(name),
            dims.join(",")
        ));
        offset = end;
    }
    header.push('}');
    while (8 + header.len()) % 8 != 0 {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header.as_bytes());
    for (_, _, values) in sorted {
        out.extend(values.iter().flat_map(|x| x.to_le_bytes()));
    }
    from_bytes(&out).map_err(|e| err(format!("internal error: wrote an unreadable file: {e}")))?;
    Ok(out)
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A parsed weights file: tensors by name (f32, row-major) and its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    pub metadata: HashMap<String, String>,
}

/// Parses safetensors bytes. F32 is read as is; F64, F16 and BF16 are converted to f32.
pub fn from_bytes(bytes: &[u8]) -> Result<Weights, WeightsError> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        err(format!(
            "not a valid safetensors file ({} bytes): {e}",
            bytes.len()
        ))
    })?;
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| err(format!("bad safetensors header: {e}")))?;
    let mut tensors = HashMap::new();
    for (name, view) in st.tensors() {
        let d = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F64 => d
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::BF16 => d
                .chunks_exact(2)
                .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
                .collect(),
            Dtype::F16 => d
                .chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            other => {
                return Err(err(format!(
                    "tensor '{name}' has dtype {other:?}; Genlab reads floating-point weights only"
                )))
            }
        };
        tensors.insert(name, (view.shape().to_vec(), values));
    }
    Ok(Weights {
        tensors,
        metadata: meta.metadata().clone().unwrap_or_default(),
    })
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if frac == 0 => sign,
        0 => {
            // Subnormal: normalise.
            let mut e = 127 - 15 + 1;
            let mut f = frac;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        31 => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// Saves parameters (reading them back from the GPU if they live there).
pub async fn save(
    params: &Params,
    metadata: &HashMap<String, String>,
) -> Result<Vec<u8>, WeightsError> {
    let mut ts = Vec::new();
    for (name, v) in params.names.iter().zip(&params.values) {
        let vals = v
            .to_vec()
            .await
            .map_err(|e| err(format!("reading '{name}': {e}")))?;
        ts.push((name.clone(), v.shape().to_vec(), vals));
    }
    to_bytes(&ts, metadata)
}

/// Loads values into existing parameters: every name must be present with the same shape,
/// ours or PyTorch's (a file exported for PyTorch, [`super::torch`], loads back). A file
/// that does not fit changes nothing and names the first tensor that does not.
pub fn load_into(
    params: &mut Params,
    bytes: &[u8],
    device: &Device,
) -> Result<HashMap<String, String>, WeightsError> {
    load_part_into(params, bytes, device, |_| true)
}

/// Like [`load_into`] for a file that holds only the parameters `held` accepts (a GAN's
/// checkpoint keeps its generator): those must be present, the others keep their values.
pub fn load_part_into(
    params: &mut Params,
    bytes: &[u8],
    device: &Device,
    held: impl Fn(&str) -> bool,
) -> Result<HashMap<String, String>, WeightsError> {
    let w = from_bytes(bytes)?;
    let torch_layout = w.metadata.get("layout").is_some_and(|l| l == "pytorch");
    let mut values = Vec::with_capacity(params.values.len());
    for (i, (name, old)) in params.names.iter().zip(&params.values).enumerate() {
        if !held(name) {
            values.push(old.to_device(device));
            continue;
        }
        let (shape, v) = w
            .tensors
            .get(name)
            .ok_or_else(|| err(format!("the weights file has no tensor '{name}'")))?;
        // A file exported for PyTorch says so; its square Linear weights look like ours.
        let converted = if torch_layout {
            params.ours_from_torch(i, shape, v)
        } else {
            (shape == old.shape()).then(|| v.clone())
        };
        let v = converted.ok_or_else(|| {
            err(format!(
                "tensor '{name}' has shape {shape:?} in the file but {:?} in the model{}",
                old.shape(),
                if torch_layout {
                    " (in PyTorch's layout)"
                } else {
                    ""
                }
            ))
        })?;
        values.push(Tensor::new(v, old.shape(), device).map_err(|e| err(e.to_string()))?);
    }
    params.values = values;
    Ok(w.metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_clear_errors() {
        let ts = vec![("a".to_string(), vec![2, 2], vec![1.0, -2.0, 3.5, 0.0])];
        let meta = HashMap::from([("seed".to_string(), "7".to_string())]);
        let b = to_bytes(&ts, &meta).unwrap();
        let w = from_bytes(&b).unwrap();
        assert_eq!(w.tensors["a"], (vec![2, 2], vec![1.0, -2.0, 3.5, 0.0]));
        assert_eq!(w.metadata["seed"], "7");
        for cut in [0, 5, 8, 20, b.len() - 1] {
            let e = from_bytes(&b[..cut]).unwrap_err();
            assert!(e.0.contains("not a valid safetensors file"), "{cut}: {e}");
        }
        let mut bad = b.clone();
        bad[9] = b'X'; // break the JSON header
        assert!(from_bytes(&bad).is_err());
    }

    #[test]
    fn half_precision_converts() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7c00).is_infinite());
    }

    #[test]
    fn load_into_checks_names_and_shapes() {
        let mut p = Params::default();
        p.add("w", Tensor::from_vec(vec![0.0; 4], &[2, 2]).unwrap());
        let good = to_bytes(
            &[("w".into(), vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])],
            &HashMap::new(),
        )
        .unwrap();
        load_into(&mut p, &good, &Device::Cpu).unwrap();
        assert_eq!(p.values[0].cpu_values().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        let wrong = to_bytes(
            &[("w".into(), vec![4], vec![1.0, 2.0, 3.0, 4.0])],
            &HashMap::new(),
        )
        .unwrap();
        assert!(load_into(&mut p, &wrong, &Device::Cpu)
            .unwrap_err()
            .0
            .contains("shape"));
        let missing = to_bytes(&[("v".into(), vec![1], vec![1.0])], &HashMap::new()).unwrap();
        assert!(load_into(&mut p, &missing, &Device::Cpu)
            .unwrap_err()
            .0
            .contains("no tensor 'w'"));
    }

    #[test]
    fn a_part_loads_and_the_rest_keeps_its_values() {
        let mut p = Params::default();
        p.add("g.w", Tensor::from_vec(vec![0.0; 2], &[2]).unwrap());
        p.add("d.w", Tensor::from_vec(vec![5.0; 2], &[2]).unwrap());
        let g_only = to_bytes(&[("g.w".into(), vec![2], vec![1.0, 2.0])], &HashMap::new()).unwrap();
        let generator = |n: &str| n.starts_with("g.");
        load_part_into(&mut p, &g_only, &Device::Cpu, generator).unwrap();
        assert_eq!(p.values[0].cpu_values().unwrap(), vec![1.0, 2.0]);
        assert_eq!(p.values[1].cpu_values().unwrap(), vec![5.0, 5.0]);
        // The whole network cannot come from it; a part it lacks is named.
        assert!(load_into(&mut p, &g_only, &Device::Cpu)
            .unwrap_err()
            .0
            .contains("no tensor 'd.w'"));
        let d_only = to_bytes(&[("d.w".into(), vec![2], vec![1.0, 2.0])], &HashMap::new()).unwrap();
        assert!(load_part_into(&mut p, &d_only, &Device::Cpu, generator)
            .unwrap_err()
            .0
            .contains("no tensor 'g.w'"));
    }
}
