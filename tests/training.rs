//! The trainer: chunks that resume exactly, a clear stop on NaN naming the step, and a
//! lost GPU device that training survives by carrying on on the CPU.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::{Tape, Var};

mod moons;
use genlab::nn::optim::Optimizer;
use genlab::nn::{cross_entropy, Mlp, Params};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, Tensor, TensorError, UnaryOp};
use genlab::train::{loss_fn, TrainError, Trainer};

struct Task {
    mlp: Mlp,
    x: Tensor,
    y: Tensor,
}

fn task() -> (Task, Params) {
    let m = moons::moons(128, 9, &[2, 16, 2], 4);
    (
        Task {
            mlp: m.mlp,
            x: m.x,
            y: m.y,
        },
        m.params,
    )
}

impl Task {
    fn loss<'t>(
        &self,
        tape: &'t Tape,
        p: &[Var<'t>],
        _step: u64,
        dev: &Device,
    ) -> Result<(Var<'t>, Vec<(String, Var<'t>)>), TensorError> {
        let logits = self.mlp.forward(p, &tape.leaf(self.x.to_device(dev)))?;
        Ok((
            cross_entropy(&logits, &tape.leaf(self.y.to_device(dev)))?,
            vec![],
        ))
    }
}

fn losses(t: &Trainer) -> Vec<f32> {
    t.history.iter().map(|m| m.loss).collect()
}

#[test]
fn chunks_resume_exactly_and_report_every_step() {
    let (task, p) = task();
    let f = loss_fn(|tape, p, s, d| task.loss(tape, p, s, d));
    let mut a = block_on(Trainer::new(p.clone(), Optimizer::adam(0.05), Device::Cpu)).unwrap();
    let c = block_on(a.run(40, &f)).unwrap();
    assert_eq!(
        c.metrics.iter().map(|m| m.step).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    let mut b = block_on(Trainer::new(p, Optimizer::adam(0.05), Device::Cpu)).unwrap();
    for _ in 0..4 {
        block_on(b.run(10, &f)).unwrap(); // stop … and resume
    }
    assert_eq!(losses(&a), losses(&b));
    assert!(losses(&a)[39] < 0.6 * losses(&a)[0]);
}

#[test]
fn a_non_finite_loss_stops_training_and_names_the_step() {
    let (task, p) = task();
    let f = loss_fn(|tape, p, s, d| {
        let (l, parts) = task.loss(tape, p, s, d)?;
        // From step 7 on, the loss is log(−1) = NaN.
        let l = if s >= 7 {
            l.scale(0.0)?
                .unary(UnaryOp::AddScalar, -1.0)?
                .unary(UnaryOp::Log, 0.0)?
        } else {
            l
        };
        Ok((l, parts))
    });
    let mut t = block_on(Trainer::new(p, Optimizer::adam(0.05), Device::Cpu)).unwrap();
    let e = block_on(t.run(20, &f)).unwrap_err();
    assert_eq!(
        e,
        TrainError::NonFinite {
            step: 7,
            what: "the loss".into()
        }
    );
    assert!(e.to_string().contains("step 7"));
    assert_eq!(t.step, 6);
    assert!(t
        .params
        .values
        .iter()
        .all(|v| v.cpu_values().unwrap().iter().all(|x| x.is_finite())));
}

#[test]
fn a_lost_gpu_device_falls_back_to_the_cpu_and_loses_no_snapshot() {
    let (task, p) = task();
    let f = loss_fn(|tape, p, s, d| task.loss(tape, p, s, d));
    let gpu = block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)");
    let mut t = block_on(Trainer::new(
        p.clone(),
        Optimizer::adam(0.05),
        Device::Gpu(gpu.clone()),
    ))
    .unwrap();
    block_on(t.run(10, &f)).unwrap();
    block_on(t.run(10, &f)).unwrap();
    gpu.simulate_loss();
    let c = block_on(t.run(10, &f)).unwrap();
    let (why, at) = c.fell_back.expect("the trainer noticed the lost device");
    assert!(why.contains("lost"), "{why}");
    assert_eq!(at, 20);
    assert!(matches!(t.device, Device::Cpu));
    // Training goes on on the CPU, and matches a run that was on the CPU all along.
    block_on(t.run(20, &f)).unwrap();
    assert_eq!(t.step, 40);
    let mut cpu = block_on(Trainer::new(p, Optimizer::adam(0.05), Device::Cpu)).unwrap();
    block_on(cpu.run(40, &f)).unwrap();
    for (a, b) in losses(&t).iter().zip(losses(&cpu)) {
        assert!((a - b).abs() < 1e-3 + 1e-3 * b.abs(), "{a} vs {b}");
    }
}
