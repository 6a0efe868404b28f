//! The trainer: chunks that resume exactly, a clear stop on NaN naming the step, and a
//! lost GPU device that training survives by carrying on on the CPU.
#![cfg(not(target_arch = "wasm32"))]

use genlab::autodiff::{Tape, Var};

mod moons;
use genlab::nn::optim::Optimizer;
use genlab::nn::{cross_entropy, Mlp, Params};
use genlab::tensor::gpu::Gpu;
use genlab::tensor::{block_on, Device, Tensor, TensorError, UnaryOp};
use genlab::train::{group_loss_fn, loss_fn, Group, LossParts, TrainError, Trainer};

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
    ) -> Result<LossParts<'t>, TensorError> {
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

/// Two parameters trained in two groups, as a GAN alternates its networks: group "a" pulls
/// a towards 1; group "b" pulls b towards −a, reading a after a's update of the same step.
fn two_groups(lr_b: f32) -> (Params, Vec<Group>) {
    let mut p = Params::default();
    p.add("a", Tensor::from_vec(vec![3.0], &[1]).unwrap());
    p.add("b", Tensor::from_vec(vec![0.5], &[1]).unwrap());
    let groups = vec![
        Group::new("a", [0], Optimizer::adam(0.1)),
        Group::new("b", [1], Optimizer::adam(lr_b)),
    ];
    (p, groups)
}

/// Group 0's loss (a − 1)², group 1's (b + a)².
fn pull<'t>(g: usize, p: &[Var<'t>]) -> Result<Var<'t>, TensorError> {
    let d = match g {
        0 => p[0].unary(UnaryOp::AddScalar, -1.0)?,
        _ => p[1].add(&p[0])?,
    };
    d.mul(&d)?.sum(0)
}

#[test]
fn groups_update_their_own_parameters_from_their_own_losses() {
    let f = group_loss_fn(|g, _tape, p, step, _dev| {
        let loss = pull(g, p)?;
        // From step 30 on, group "b"'s loss is NaN: the whole step is refused.
        let loss = if g == 1 && step >= 30 {
            loss.scale(0.0)?
                .unary(UnaryOp::AddScalar, -1.0)?
                .unary(UnaryOp::Log, 0.0)?
        } else {
            loss
        };
        Ok((loss, vec![("twice".to_string(), loss.scale(2.0)?)]))
    });
    let value = |t: &Trainer, i: usize| t.params.values[i].cpu_values().unwrap()[0];

    // Group "b" with a zero learning rate: b never moves, though its loss has a gradient
    // for a, and a moves only by its own loss.
    let (p, groups) = two_groups(0.0);
    let mut frozen = block_on(Trainer::with_groups(p, groups, Device::Cpu)).unwrap();
    block_on(frozen.run_groups(20, &f)).unwrap();
    assert_eq!(value(&frozen, 1), 0.5);
    assert!(value(&frozen, 0) < 3.0);

    // Both learning: one chunk of 29 equals chunks of 10 + 19 (exact resume), metrics name
    // each group, and a NaN in the second group at step 30 leaves step 29's weights,
    // the first group's update of step 30 undone.
    let (p, groups) = two_groups(0.1);
    let mut one = block_on(Trainer::with_groups(p.clone(), groups.clone(), Device::Cpu)).unwrap();
    block_on(one.run_groups(29, &f)).unwrap();
    let mut two = block_on(Trainer::with_groups(p, groups, Device::Cpu)).unwrap();
    block_on(two.run_groups(10, &f)).unwrap();
    let c = block_on(two.run_groups(19, &f)).unwrap();
    assert_eq!(losses(&one), losses(&two));
    let m = c.metrics.last().unwrap();
    let names: Vec<&str> = m.parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "a/twice", "b", "b/twice"]);
    assert!((m.loss - (m.parts[0].1 + m.parts[2].1)).abs() < 1e-6);
    let (a29, b29) = (value(&two, 0), value(&two, 1));
    let e = block_on(two.run_groups(5, &f)).unwrap_err();
    assert_eq!(
        e,
        TrainError::NonFinite {
            step: 30,
            what: "the loss of b".into()
        }
    );
    assert_eq!((two.step, value(&two, 0), value(&two, 1)), (29, a29, b29));
    // Where it was going: a towards 1, b towards −a.
    assert!(
        (a29 - 1.0).abs() < 0.5 && (b29 + a29).abs() < 0.8,
        "a {a29}, b {b29}"
    );
}

#[test]
fn groups_fall_back_to_the_cpu_together() {
    let f = group_loss_fn(|g, _tape, p, _step, _dev| Ok((pull(g, p)?, vec![])));
    let gpu = block_on(Gpu::new()).expect("a GPU adapter (lavapipe in CI)");
    let (p, groups) = two_groups(0.1);
    let mut t = block_on(Trainer::with_groups(
        p.clone(),
        groups.clone(),
        Device::Gpu(gpu.clone()),
    ))
    .unwrap();
    block_on(t.run_groups(10, &f)).unwrap();
    gpu.simulate_loss();
    let c = block_on(t.run_groups(10, &f)).unwrap();
    assert_eq!(c.fell_back.map(|(_, at)| at), Some(10));
    assert!(matches!(t.device, Device::Cpu));
    block_on(t.run_groups(10, &f)).unwrap();
    let mut cpu = block_on(Trainer::with_groups(p, groups, Device::Cpu)).unwrap();
    block_on(cpu.run_groups(20, &f)).unwrap();
    for (a, b) in losses(&t).iter().zip(losses(&cpu)) {
        assert!((a - b).abs() < 1e-4 + 1e-4 * b.abs(), "{a} vs {b}");
    }
}
