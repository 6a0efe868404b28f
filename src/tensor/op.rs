//! The closed set of primitive operations. Every backend implements exactly these; every
//! layer above composes them. The `wgsl` strings are the kernels' expressions, the `cpu`
//! functions their reference.

/// Element-wise functions of one input `x` (and a constant `p` for those that take one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Sqrt,
    Abs,
    Relu,
    /// max(x, p·x)
    LeakyRelu,
    Silu,
    /// tanh approximation, as GPT-2 and most frameworks' "gelu_tanh".
    Gelu,
    Tanh,
    Sigmoid,
    Softplus,
    /// x + p
    AddScalar,
    /// x · p
    MulScalar,
    /// x ^ p
    PowScalar,
}

pub const UNARY_OPS: [UnaryOp; 15] = [
    UnaryOp::Neg,
    UnaryOp::Exp,
    UnaryOp::Log,
    UnaryOp::Sqrt,
    UnaryOp::Abs,
    UnaryOp::Relu,
    UnaryOp::LeakyRelu,
    UnaryOp::Silu,
    UnaryOp::Gelu,
    UnaryOp::Tanh,
    UnaryOp::Sigmoid,
    UnaryOp::Softplus,
    UnaryOp::AddScalar,
    UnaryOp::MulScalar,
    UnaryOp::PowScalar,
];

/// e^x for the CPU path, within 1 ulp of the true value on [−86.5, 88.5] (0 below, ∞
/// above, NaN for NaN). Branch-free, so loops over it vectorise: in wasm, `f32::exp` is
/// a scalar software routine, and SiLU's exp took 15 % of a U-Net sampling run.
///
/// x = n·ln 2 + r with n an integer and |r| ≤ ln 2 / 2; e^r by a degree-6 polynomial (the
/// minimax coefficients of Cephes' `expf`); 2^n built from its exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts, so n·LN2_HI is exact for the n that occur.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    const LO: f32 = -86.5;
    const HI: f32 = 88.5;
    let xc = x.clamp(LO, HI);
    let t = xc * LOG2E + ROUND;
    let n = t - ROUND;
    let r = xc - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let er = p * r * r + r + 1.0;
    // 2^(n−1) from its bits (n − 1 + 127 stays in 1..=254 on [LO, HI]), times 2.
    let k = t.to_bits().wrapping_sub(ROUND.to_bits()) as i32;
    let two_n_1 = f32::from_bits(((k + 126) as u32) << 23);
    let y = er * two_n_1 * 2.0;
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        y
    }
}

const GELU_C: f32 = 0.797_884_6; // sqrt(2 / π)

impl UnaryOp {
    #[inline]
    pub fn cpu(self, x: f32, p: f32) -> f32 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Exp => exp(x),
            UnaryOp::Log => x.ln(),
            UnaryOp::Sqrt => x.sqrt(),
            UnaryOp::Abs => x.abs(),
            UnaryOp::Relu => x.max(0.0),
            UnaryOp::LeakyRelu => x.max(p * x),
            UnaryOp::Silu => x / (1.0 + exp(-x)),
            UnaryOp::Gelu => 0.5 * x * (1.0 + (GELU_C * (x + 0.044715 * x * x * x)).tanh()),
            UnaryOp::Tanh => x.tanh(),
            UnaryOp::Sigmoid => 1.0 / (1.0 + exp(-x)),
            UnaryOp::Softplus => x.max(0.0) + exp(-x.abs()).ln_1p(),
            UnaryOp::AddScalar => x + p,
            UnaryOp::MulScalar => x * p,
            UnaryOp::PowScalar => x.powf(p),
        }
    }

    /// The WGSL expression of `x` and `p`.
    pub fn wgsl(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-x",
            UnaryOp::Exp => "exp(x)",
            UnaryOp::Log => "log(x)",
            UnaryOp::Sqrt => "sqrt(x)",
            UnaryOp::Abs => "abs(x)",
            UnaryOp::Relu => "max(x, 0.0)",
            UnaryOp::LeakyRelu => "max(x, p * x)",
            UnaryOp::Silu => "x / (1.0 + exp(-x))",
            // tanh(z) written as 1 − 2/(e^{2z}+1): WGSL's tanh overflows to NaN on some drivers.
            UnaryOp::Gelu => {
                "0.5 * x * (2.0 - 2.0 / (exp(2.0 * 0.7978846 * (x + 0.044715 * x * x * x)) + 1.0))"
            }
            UnaryOp::Tanh => "1.0 - 2.0 / (exp(2.0 * x) + 1.0)",
            UnaryOp::Sigmoid => "1.0 / (1.0 + exp(-x))",
            UnaryOp::Softplus => "max(x, 0.0) + log(1.0 + exp(-abs(x)))",
            UnaryOp::AddScalar => "x + p",
            UnaryOp::MulScalar => "x * p",
            UnaryOp::PowScalar => "pow(x, p)",
        }
    }
}

/// Element-wise functions of two broadcast inputs `a`, `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// a ^ b (a > 0)
    Pow,
    Max,
    Min,
    /// 1 where a > b, else 0
    Gt,
    /// 1 where a == b, else 0
    Eq,
}

pub const BINARY_OPS: [BinaryOp; 9] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Pow,
    BinaryOp::Max,
    BinaryOp::Min,
    BinaryOp::Gt,
    BinaryOp::Eq,
];

impl BinaryOp {
    #[inline]
    pub fn cpu(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Pow => a.powf(b),
            BinaryOp::Max => a.max(b),
            BinaryOp::Min => a.min(b),
            BinaryOp::Gt => (a > b) as u8 as f32,
            BinaryOp::Eq => (a == b) as u8 as f32,
        }
    }

    pub fn wgsl(self) -> &'static str {
        match self {
            BinaryOp::Add => "a + b",
            BinaryOp::Sub => "a - b",
            BinaryOp::Mul => "a * b",
            BinaryOp::Div => "a / b",
            BinaryOp::Pow => "pow(a, b)",
            BinaryOp::Max => "max(a, b)",
            BinaryOp::Min => "min(a, b)",
            BinaryOp::Gt => "select(0.0, 1.0, a > b)",
            BinaryOp::Eq => "select(0.0, 1.0, a == b)",
        }
    }
}

/// Reductions along one axis (the axis is kept, with size 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Mean,
    Max,
    Min,
    /// Index of the first maximum, as f32.
    ArgMax,
    /// log Σ exp, computed stably (max first).
    LogSumExp,
}

pub const REDUCE_OPS: [ReduceOp; 6] = [
    ReduceOp::Sum,
    ReduceOp::Mean,
    ReduceOp::Max,
    ReduceOp::Min,
    ReduceOp::ArgMax,
    ReduceOp::LogSumExp,
];

impl ReduceOp {
    pub fn cpu(self, xs: impl Iterator<Item = f32> + Clone) -> f32 {
        match self {
            ReduceOp::Sum => xs.sum(),
            ReduceOp::Mean => {
                let (s, n) = xs.fold((0.0f32, 0usize), |(s, n), x| (s + x, n + 1));
                s / n as f32
            }
            ReduceOp::Max => xs.fold(f32::NEG_INFINITY, f32::max),
            ReduceOp::Min => xs.fold(f32::INFINITY, f32::min),
            ReduceOp::ArgMax => {
                let mut best = (0usize, f32::NEG_INFINITY);
                for (i, x) in xs.enumerate() {
                    if x > best.1 {
                        best = (i, x);
                    }
                }
                best.0 as f32
            }
            ReduceOp::LogSumExp => {
                let m = xs.clone().fold(f32::NEG_INFINITY, f32::max);
                if m == f32::NEG_INFINITY {
                    return m;
                }
                m + xs.map(|x| exp(x - m)).sum::<f32>().ln()
            }
        }
    }

    /// Kernel variant index (see `reduce.wgsl`).
    pub fn code(self) -> u32 {
        match self {
            ReduceOp::Sum => 0,
            ReduceOp::Mean => 1,
            ReduceOp::Max => 2,
            ReduceOp::Min => 3,
            ReduceOp::ArgMax => 4,
            ReduceOp::LogSumExp => 5,
        }
    }
}

/// One Adam (or AdamW) update at step t: its scalars, and the formula for one element
/// (`Tensor::adam_step` applies it; adam.wgsl computes the same).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// The bias corrections 1 / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ).
    pub correct1: f32,
    pub correct2: f32,
    /// AdamW's decoupled weight decay; 0 for Adam.
    pub weight_decay: f32,
}

impl AdamStep {
    /// The update at step `t` (counted from 1).
    pub fn at(t: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32) -> Self {
        AdamStep {
            lr,
            beta1,
            beta2,
            eps,
            correct1: 1.0 / (1.0 - beta1.powi(t)),
            correct2: 1.0 / (1.0 - beta2.powi(t)),
            weight_decay,
        }
    }

    /// One element: the parameter and both moments after the update from gradient `g`,
    /// where `mv` holds the moments before it (none before the first step). adam.wgsl
    /// computes the same expressions in the same order.
    pub fn element(&self, p: f32, g: f32, mv: Option<(f32, f32)>) -> (f32, f32, f32) {
        let fresh_m = g * (1.0 - self.beta1);
        let fresh_v = (g * g) * (1.0 - self.beta2);
        let (m, v) = match mv {
            Some((m, v)) => (m * self.beta1 + fresh_m, v * self.beta2 + fresh_v),
            None => (fresh_m, fresh_v),
        };
        let step = (m * self.correct1) / ((v * self.correct2).sqrt() + self.eps);
        let mut p2 = p - step * self.lr;
        if self.weight_decay != 0.0 {
            p2 -= p * (self.lr * self.weight_decay);
        }
        (p2, m, v)
    }
}

#[cfg(test)]
mod exp_tests {
    #[test]
    fn exp_is_within_one_ulp_of_f64() {
        let mut worst = 0.0f64;
        let mut x = -86.5f32;
        while x <= 88.5 {
            let got = super::exp(x) as f64;
            let want = (x as f64).exp();
            // In ulps of the f32 result.
            let ulp = (want as f32).to_bits();
            let ulp = (f32::from_bits(ulp + 1) - f32::from_bits(ulp)) as f64;
            worst = worst.max((got - want).abs() / ulp);
            x += 0.000_731;
        }
        assert!(worst <= 1.0, "worst error {worst} ulp");
        assert_eq!(super::exp(0.0), 1.0);
        assert_eq!(super::exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(super::exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(super::exp(100.0), f32::INFINITY);
        assert_eq!(super::exp(-100.0), 0.0);
        assert!(super::exp(f32::NAN).is_nan());
    }
}
