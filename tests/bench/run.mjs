// Drives bench.html in headless Chromium (CPU path, then WebGPU) and prints our rows;
// then, if the TensorFlow.js peer's results are given, the ratios the targets are about.
// usage: node tests/bench/run.mjs <site url> [peer results.json]
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
const peerFile = process.argv[3];
// CHROMIUM_GPU_ARGS: extra switches for the WebGPU run (see tests/e2e/lib.mjs).
const gpuArgs = (process.env.CHROMIUM_GPU_ARGS || '').split(/\s+/).filter(Boolean);
const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function run(gpu) {
  const profile = mkdtempSync(join(tmpdir(), 'genlab-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: gpu ? [...args, '--enable-unsafe-webgpu', ...gpuArgs] : args,
  });
  try {
    const page = await ctx.newPage();
    await page.goto(base + 'bench.html' + (gpu ? '?gpu=1' : ''));
    await page.waitForFunction(() => window.__done === true, null, { timeout: 1_500_000, polling: 500 });
    const r = await page.evaluate(() => window.__result);
    if (gpu) {
      r.adapter = await page.evaluate(async () => {
        const a = await navigator.gpu?.requestAdapter();
        const i = a?.info ?? {};
        return a ? [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') || 'adapter' : 'none';
      });
    }
    return r;
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// GENLAB_BENCH_ONLY=page runs only the reader's-page section below (what a change to the
// page's threads or size moves), without the tensor workloads.
const onlyPage = process.env.GENLAB_BENCH_ONLY === 'page';
const rows = [];
for (const gpu of onlyPage ? [] : [false, true]) {
  const r = await run(gpu);
  const label = gpu ? 'Genlab WebGPU (browser)' : 'Genlab CPU wasm (browser)';
  rows.push({ label, r });
  if (r.adapter) console.log(`WebGPU adapter: ${r.adapter}`);
}
const pad = (s, n) => String(s).padEnd(n);
console.log(pad('in headless Chromium', 30) + ['N=256', 'N=512', 'N=1024'].map((h) => pad(h + ' GF/s', 14)).join('') + 'MLP ms/step');
for (const { label, r } of rows) {
  const cell = (n) => { const m = r.matmul.find((x) => x.n === n); return pad(m ? m.gflops.toFixed(1) : '-', 14); };
  console.log(pad(label, 30) + cell(256) + cell(512) + cell(1024) + (r.mlpMs ? r.mlpMs.toFixed(1) : '-') + (r.errors.length ? '  ERR ' + r.errors[0] : ''));
}

console.log('');
console.log(pad('lessons 4-5, in headless Chromium', 36) + pad('jar decode ms', 16) + pad('avatar decode ms', 18) + 'VAE step ms (batch 32)');
for (const { label, r } of rows) {
  const l = r.lessons || {};
  const f = (v) => pad(v === undefined ? '-' : v.toFixed(2), 16);
  console.log(pad(label, 36) + f(l.jarDecodeMs) + pad(l.avatarDecodeMs === undefined ? '-' : l.avatarDecodeMs.toFixed(2), 18) + (l.vaeStepMs === undefined ? '-' : l.vaeStepMs.toFixed(1)));
}
console.log('(decoding always runs on the CPU path: it is what the latent pads do per pointer move; target < 50 ms)');
console.log('');
console.log(pad('lesson 6, in headless Chromium', 36) + pad('DCGAN step ms', 16) + '64 DCGAN samples ms (target <= 1000 on the CPU path)');
for (const { label, r } of rows) {
  const l = r.lessons || {};
  console.log(pad(label, 36) + pad(l.ganStepMs === undefined ? '-' : l.ganStepMs.toFixed(1), 16) + (l.gan64Ms === undefined ? '-' : l.gan64Ms.toFixed(1)));
}
console.log('');
console.log(pad('lesson 7, in headless Chromium', 36) + pad('transformer step ms', 22) + pad('names/s (CPU)', 16) + 'keystroke ms in the engine (CPU)');
for (const { label, r } of rows) {
  const l = r.lessons || {};
  const f = (v, w, d = 1) => pad(v === undefined ? '-' : v.toFixed(d), w);
  console.log(pad(label, 36) + f(l.gptStepMs, 22) + f(l.names200Ms === undefined ? undefined : 200000 / l.names200Ms, 16, 0) + (l.keystrokeMs === undefined ? '-' : l.keystrokeMs.toFixed(2)));
}
console.log('(sampling and attention run on the CPU weights on both paths; goals: >= 200 names/s, a keystroke redrawn within 50 ms)');
console.log('');
console.log(pad('lesson 10, in headless Chromium', 36) + pad('U-Net step ms', 16) + pad('DDIM step ms', 18) + '16 avatars x 50 DDIM steps, s (target < 2 s on a laptop GPU)');
for (const { label, r } of rows) {
  const l = r.lessons || {};
  const f = (v, w) => pad(v === undefined ? '-' : v.toFixed(1), w);
  console.log(pad(label, 36) + f(l.unetStepMs, 16) + f(l.ddimStepMs, 18) + (l.ddimStepMs === undefined ? '-' : (50 * l.ddimStepMs / 1000).toFixed(1)));
}

// The page as a reader meets it, CPU path, fresh profile (a cold cache): how soon pages
// answer, and the main thread's long tasks (Long Tasks API) while models train and sample
// in the engine's worker. Goals: home and lesson 1 in <= 1 s, lesson 5's first decoded
// person in <= 2 s; no main-thread task over 50 ms.
async function readerPage(fn) {
  const profile = mkdtempSync(join(tmpdir(), 'genlab-bench-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args,
  });
  try { return await fn(await ctx.newPage()); } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
const watch = (page) => page.evaluate(() => {
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask' });
});
const summary = (d) => {
  const s = [...d].sort((a, b) => a - b);
  const p95 = s.length ? s[Math.min(s.length - 1, Math.floor(0.95 * s.length))] : 0;
  return `${s.length} tasks over 50 ms; longest ${(s.at(-1) ?? 0).toFixed(0)} ms; 95th percentile ${p95.toFixed(0)} ms`;
};
async function firstAnswer(hash, selector) {
  return readerPage(async (page) => {
    await page.goto(base + hash);
    await page.waitForSelector(selector, { timeout: 120_000 });
    return page.evaluate(() => performance.now());
  });
}
console.log('');
console.log('the page, in headless Chromium, CPU path, cold cache');
const home = await firstAnswer('#/', '[data-testid=lesson-card]');
const l1 = await firstAnswer('#/lesson/p-data-p-model', '[data-widget] svg');
const l5 = await firstAnswer('#/lesson/autoencoders-vaes/latent-map', '[data-testid=vae-pad-image] img, [data-testid=vae-pad] circle');
console.log(`  home answers after ${home.toFixed(0)} ms; lesson 1 after ${l1.toFixed(0)} ms (goal <= 1000); lesson 5's first decoded person after ${l5.toFixed(0)} ms (goal <= 2000)`);
// Lesson 7: from a keystroke in the prefix box to the redrawn attention maps (the round
// trip to the engine included), over five keystrokes.
const keys = await readerPage(async (page) => {
  await page.goto(base + '#/lesson/autoregressive/attention');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=attention-map]').length === 8, null, { timeout: 120_000 });
  const out = [];
  for (const text of ['k', 'ka', 'kal', 'kalo', 'kalon']) {
    out.push(await page.evaluate((t) => new Promise((done) => {
      const input = document.querySelector('[data-testid=gpt-prefix]');
      const t0 = performance.now();
      input.value = t;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      const poll = () => {
        const rows = document.querySelector('[data-testid=attention-map]')?.querySelectorAll('tbody tr').length;
        if (rows === t.length + 1) done(performance.now() - t0); else requestAnimationFrame(poll);
      };
      poll();
    }), text));
  }
  return out;
});
console.log(`  lesson 7, keystroke to redrawn attention maps: ${keys.map((k) => k.toFixed(0)).join(', ')} ms (goal <= 50)`);
const training = await readerPage(async (page) => {
  await page.goto(base + '#/lesson/autoencoders-vaes/train');
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-avatar-vae]')?.textContent.includes('shipped'), null, { timeout: 120_000 });
  await watch(page);
  await page.click('[data-testid=train-avatar-vae]');
  await page.waitForTimeout(12_000);
  await page.click('[data-testid=stop-avatar-vae]');
  return page.evaluate(() => window.__long);
});
console.log(`  while lesson 5's VAE trains for 12 s: ${summary(training)} (goal: none over 50 ms)`);
const sampling = await readerPage(async (page) => {
  await page.goto(base + '#/lesson/diffusion/images');
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-avatar-unet]')?.textContent.includes('shipped'), null, { timeout: 120_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=generate]')?.disabled, null, { timeout: 120_000 });
  await watch(page);
  await page.click('[data-testid=generate]');
  await page.waitForSelector('[data-testid=samples][data-finished=true]', { timeout: 600_000 });
  return page.evaluate(() => window.__long);
});
console.log(`  while lesson 10 samples 16 people (50 guided DDIM steps): ${summary(sampling)} (goal: none over 50 ms)`);

if (peerFile && existsSync(peerFile)) {
  const peer = JSON.parse(readFileSync(peerFile, 'utf8'));
  const tf = peer.find((p) => p.name === 'wasm SIMD 1T');
  const ours = rows[0].r;
  if (tf && tf.matmul && tf.matmul.length) {
    const t512 = tf.matmul.find((m) => m.N === 512);
    const o512 = ours.matmul.find((m) => m.n === 512);
    if (t512 && o512) console.log(`ratio: our wasm CPU matmul N=512 / TF.js wasm SIMD 1T = ${(o512.gflops / t512.gflops).toFixed(2)} (target >= 1.5)`);
    if (tf.mlp && ours.mlpMs) console.log(`ratio: our MLP step / TF.js wasm SIMD 1T = ${(ours.mlpMs / tf.mlp.msPerStep).toFixed(2)} (target <= 0.5)`);
  }
}
