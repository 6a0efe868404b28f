//! The launchers: one method per kernel family, each choosing its WGSL variant and grid.

use super::*;

/// A product whose C fills less than this share of the tiled kernel's 64×64 tiles (a
/// thin C: a layer with one or two outputs, a weight gradient of 2-D points, attention's
/// small per-head products) runs one invocation per element of C instead: the tiled
/// kernel would compute mostly padding.
const THIN_SHARE: f64 = 0.25;

impl Gpu {
    pub(super) fn layout_words(l: &Layout) -> Vec<u32> {
        let mut w: Vec<u32> = l.strides.iter().map(|&s| s as u32).collect();
        w.push(l.offset as u32);
        w
    }

    pub fn unary(self: &Arc<Self>, op: UnaryOp, p: f32, x: &GpuBuffer, l: &Layout) -> GpuBuffer {
        let n = l.numel();
        let out = self.empty(n);
        let mut meta = vec![n as u32, l.rank() as u32];
        meta.extend(l.shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(l));
        meta.push(p.to_bits());
        let meta = self.meta(&meta);
        let key = format!("unary:{op:?}");
        let pipe = self.pipeline(&key, || {
            format!("{}{}", COMMON, UNARY.replace("OP", op.wgsl()))
        });
        self.launch(&key, &pipe, &[&x.buf, &out.buf, &meta], self.grid(n));
        out
    }

    /// `la` and `lb` are already broadcast to the output shape.
    pub fn binary(
        self: &Arc<Self>,
        op: BinaryOp,
        a: &GpuBuffer,
        la: &Layout,
        b: &GpuBuffer,
        lb: &Layout,
    ) -> GpuBuffer {
        let n = la.numel();
        let out = self.empty(n);
        let mut meta = vec![n as u32, la.rank() as u32];
        meta.extend(la.shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(la));
        meta.extend(Self::layout_words(lb));
        let meta = self.meta(&meta);
        let key = format!("binary:{op:?}");
        let pipe = self.pipeline(&key, || {
            format!("{}{}", COMMON, BINARY.replace("OP", op.wgsl()))
        });
        self.launch(
            &key,
            &pipe,
            &[&a.buf, &b.buf, &out.buf, &meta],
            self.grid(n),
        );
        out
    }

    pub fn reduce(
        self: &Arc<Self>,
        op: ReduceOp,
        x: &GpuBuffer,
        l: &Layout,
        axis: usize,
    ) -> GpuBuffer {
        let mut out_shape = l.shape.clone();
        out_shape[axis] = 1;
        let n = crate::tensor::shape::numel(&out_shape);
        let out = self.empty(n);
        let mut meta = vec![n as u32, l.rank() as u32];
        meta.extend(out_shape.iter().map(|&s| s as u32));
        meta.extend(Self::layout_words(l));
        meta.extend([axis as u32, l.shape[axis] as u32, op.code()]);
        let meta = self.meta(&meta);
        // Few outputs over a long axis: a workgroup per output instead of a thread.
        let len = l.shape[axis];
        if op.code() <= 3 && len >= 256 && n < 8192 {
            let pipe = self.pipeline_at("reduce:wide", "wide", || format!("{COMMON}{REDUCE}"));
            self.launch(
                "reduce:wide",
                &pipe,
                &[&x.buf, &out.buf, &meta],
                self.groups(n),
            );
        } else {
            let pipe = self.pipeline("reduce", || format!("{COMMON}{REDUCE}"));
            self.launch("reduce", &pipe, &[&x.buf, &out.buf, &meta], self.grid(n));
        }
        out
    }

    /// `x` is contiguous, `n` values in rows of `len`: each row standardised
    /// (`norm.wgsl`, a workgroup per row).
    pub fn standardise(
        self: &Arc<Self>,
        x: &GpuBuffer,
        n: usize,
        len: usize,
        eps: f32,
    ) -> GpuBuffer {
        let out = self.empty(n);
        let rows = n.checked_div(len).unwrap_or(0);
        let meta = self.meta(&[rows as u32, len as u32, eps.to_bits()]);
        let pipe = self.pipeline("standardise", || NORM.to_string());
        self.launch(
            "standardise",
            &pipe,
            &[&x.buf, &out.buf, &meta],
            self.groups(rows),
        );
        out
    }

    /// One Adam update of a contiguous parameter `p` of `n` values from its gradient `g`
    /// and the moments `old` (none before the first step): the new parameter, m and v.
    pub fn adam(
        self: &Arc<Self>,
        p: &GpuBuffer,
        g: &GpuBuffer,
        old: Option<(&GpuBuffer, &GpuBuffer)>,
        n: usize,
        s: &AdamStep,
    ) -> [GpuBuffer; 3] {
        let out = [self.empty(n), self.empty(n), self.empty(n)];
        let scalars = [
            s.lr,
            s.beta1,
            s.beta2,
            s.eps,
            s.correct1,
            s.correct2,
            s.weight_decay,
        ];
        let mut info = vec![n as u32, old.is_none() as u32];
        info.extend(scalars.map(f32::to_bits));
        let info = self.meta(&info);
        // Before the first step the moments are not read: bind the gradient in their place.
        let (m, v) = old.unwrap_or((g, g));
        let pipe = self.pipeline("adam", || format!("{COMMON}{ADAM}"));
        self.launch(
            "adam",
            &pipe,
            &[
                &p.buf,
                &g.buf,
                &m.buf,
                &v.buf,
                &out[0].buf,
                &out[1].buf,
                &out[2].buf,
                &info,
            ],
            self.grid(n),
        );
        out
    }

    /// `la` is [batch, m, k], `lb` is [batch, k, n]; the result is contiguous [batch, m, n].
    /// A thin C (see [`THIN_SHARE`]) whose K is not split takes the direct kernel.
    pub fn matmul(
        self: &Arc<Self>,
        a: &GpuBuffer,
        la: &Layout,
        b: &GpuBuffer,
        lb: &Layout,
    ) -> GpuBuffer {
        let (batch, m, k, n) = (la.shape[0], la.shape[1], la.shape[2], lb.shape[2]);
        // Split K when C has too few 64×64 tiles to fill the GPU and K is long (a weight
        // gradient of a convolution: K = batch × pixels): slices of at least 512.
        let tiles = n.div_ceil(64) * m.div_ceil(64) * batch;
        let slices = if tiles < 128 && k >= 1024 {
            (k / 512).min(256 / tiles).max(1)
        } else {
            1
        };
        let kc = k.div_ceil(slices).div_ceil(16) * 16;
        let slices = k.div_ceil(kc.max(1)).max(1);
        let out = self.empty(slices * batch * m * n);
        let meta = [
            m as u32,
            k as u32,
            n as u32,
            la.strides[0] as u32,
            la.strides[1] as u32,
            la.strides[2] as u32,
            la.offset as u32,
            lb.strides[0] as u32,
            lb.strides[1] as u32,
            lb.strides[2] as u32,
            lb.offset as u32,
            batch as u32,
            kc.max(16) as u32,
        ];
        let meta = self.meta(&meta);
        let filled = (batch * m * n) as f64 / (tiles * 64 * 64) as f64;
        let (pipe, variant, groups) = if slices == 1 && filled < THIN_SHARE {
            let pipe = self.pipeline("matmul_thin", || format!("{COMMON}{MATMUL_THIN}"));
            (pipe, "thin ", self.grid(batch * m * n))
        } else {
            let pipe = self.pipeline("matmul", || MATMUL.to_string());
            let tiled = (
                n.div_ceil(64) as u32,
                m.div_ceil(64) as u32,
                (batch * slices) as u32,
            );
            (pipe, "", tiled)
        };
        let key = match self.profile {
            Some(_) => format!("matmul {variant}{batch}×{m}×{k}×{n} /{slices}"),
            None => String::new(),
        };
        self.launch(&key, &pipe, &[&a.buf, &b.buf, &out.buf, &meta], groups);
        if slices == 1 {
            return out;
        }
        let partial = Layout::contiguous(&[slices, batch * m * n]);
        self.reduce(ReduceOp::Sum, &out, &partial, 0)
    }

    pub fn where_(
        self: &Arc<Self>,
        c: (&GpuBuffer, &Layout),
        a: (&GpuBuffer, &Layout),
        b: (&GpuBuffer, &Layout),
    ) -> GpuBuffer {
        let n = a.1.numel();
        let out = self.empty(n);
        let mut info = vec![n as u32, a.1.rank() as u32];
        info.extend(a.1.shape.iter().map(|&s| s as u32));
        for l in [c.1, a.1, b.1] {
            info.extend(Self::layout_words(l));
        }
        let info = self.meta(&info);
        let pipe = self.pipeline("where", || format!("{COMMON}{WHERE}"));
        self.launch(
            "where",
            &pipe,
            &[&c.0.buf, &a.0.buf, &b.0.buf, &out.buf, &info],
            self.grid(n),
        );
        out
    }

    /// A zero-filled buffer of `n` floats.
    pub fn zeros(self: &Arc<Self>, n: usize) -> GpuBuffer {
        self.upload(&vec![0.0; n])
    }

    /// Writes the view `src` into `dst` at the positions of the view `ld` (same shape).
    pub fn copy_into(&self, src: &GpuBuffer, ls: &Layout, dst: &GpuBuffer, ld: &Layout) {
        let n = ls.numel();
        let mut info = vec![n as u32, ls.rank() as u32];
        info.extend(ls.shape.iter().map(|&s| s as u32));
        info.extend(Self::layout_words(ls));
        info.extend(Self::layout_words(ld));
        let info = self.meta(&info);
        let pipe = self.pipeline("copy", || format!("{COMMON}{COPY}"));
        self.launch("copy", &pipe, &[&src.buf, &dst.buf, &info], self.grid(n));
    }

    /// Rows of a contiguous [rows, cols] table picked by the (contiguous) index buffer.
    pub fn gather_rows(
        self: &Arc<Self>,
        table: &GpuBuffer,
        cols: usize,
        idx: &GpuBuffer,
        n_idx: usize,
    ) -> GpuBuffer {
        let n = n_idx * cols;
        let out = self.empty(n);
        let info = self.meta(&[n as u32, cols as u32]);
        let pipe = self.pipeline("gather", || GATHER.to_string());
        self.launch(
            "gather",
            &pipe,
            &[&table.buf, &idx.buf, &out.buf, &info],
            self.grid(n),
        );
        out
    }

    /// im2col (`fold == false`) or its adjoint col2im (`fold == true`) of a contiguous buffer.
    pub fn unfold(
        self: &Arc<Self>,
        src: &GpuBuffer,
        g: &crate::tensor::cpu::Conv,
        fold: bool,
    ) -> GpuBuffer {
        let n = if fold {
            g.n * g.c * g.h * g.w
        } else {
            g.n * g.rows() * g.out_h() * g.out_w()
        };
        let out = self.empty(n);
        let info: Vec<u32> = [
            n,
            g.n,
            g.c,
            g.h,
            g.w,
            g.kh,
            g.kw,
            g.stride,
            g.pad,
            g.out_h(),
            g.out_w(),
        ]
        .iter()
        .map(|&v| v as u32)
        .collect();
        let info = self.meta(&info);
        let key = if fold { "fold" } else { "unfold" };
        let pipe = self.pipeline(key, || {
            UNFOLD.replace("MODE", if fold { "1u" } else { "0u" })
        });
        self.launch(key, &pipe, &[&src.buf, &out.buf, &info], self.grid(n));
        out
    }

    /// `n` random numbers from `seed`: uniform in [0, 1) or standard normal.
    pub fn random(self: &Arc<Self>, n: usize, seed: u64, normal: bool) -> GpuBuffer {
        let out = self.empty(n);
        let info = self.meta(&[n as u32, seed as u32, (seed >> 32) as u32, normal as u32]);
        let pipe = self.pipeline("random", || RANDOM.to_string());
        self.launch("random", &pipe, &[&out.buf, &info], self.grid(n));
        out
    }
}
