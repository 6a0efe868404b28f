// Shared helpers for the end-to-end tests: launching Debian's Chromium through
// playwright-core, and page objects that read the notebook the way a reader does.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = process.env.GENLAB_URL || 'http://127.0.0.1:8080/';

/** Extra Chromium switches for WebGPU from `CHROMIUM_GPU_ARGS` (space-separated): on a
 * machine with a real GPU, e.g. `--use-angle=vulkan --enable-features=Vulkan
 * --disable-vulkan-surface --ignore-gpu-blocklist`. Empty by default (SwiftShader). */
export const GPU_ARGS = (process.env.CHROMIUM_GPU_ARGS || '').split(/\s+/).filter(Boolean);

/** Launches headless Chromium with a fresh profile; `webgpu` adds the flags WebGPU needs.
 * The site's service worker is blocked unless `serviceWorkers` is 'allow' (the offline
 * spec): a worker answering from its cache would hide the requests other specs block. */
export async function launch({ webgpu = false, serviceWorkers = 'block' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'genlab-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
  if (webgpu) args.push('--enable-unsafe-webgpu', ...GPU_ARGS);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    viewport: { width: 1200, height: 900 },
    serviceWorkers,
  });
  const close = async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); };
  return { context, close };
}

/** Opens a page and records console errors and uncaught exceptions. */
export async function open(context, hash = '#/') {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(BASE + hash);
  await page.waitForSelector('header.top, [data-testid=embed]', { timeout: 60_000 });
  return { page, errors };
}

/** Records the page's main-thread tasks over 50 ms (the Long Tasks API) from now on;
 * `durations()` gives them in milliseconds. Model work runs in the engine's worker, so
 * training and sampling must not block the page. */
export async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__longTaskObserver?.disconnect();
    window.__longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    });
    window.__longTaskObserver.observe({ type: 'longtask' });
  });
  return { durations: () => page.evaluate(() => window.__longTasks.slice()) };
}

/** The loose bound the end-to-end tests hold the page to (the goal, in `cargo xtask
 * bench`, is no task over 50 ms): a regression to model work on the main thread fails. */
export const LONG_TASK_BOUND_MS = 200;

/** axe-core's serious and critical violations on the page as it is now, one line each
 * ("where: rule (first element)"); axe is loaded from node_modules once per page. */
export async function accessibility(page, where) {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url)) });
  }
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.nodes.length} elements, first ${v.nodes[0]?.target.join(' ')})`);
  });
  return found.map((f) => `${where}: ${f}`);
}

/** The course as the home page lists it (the lesson table in src/lessons/mod.rs): one
 * card per lesson, carrying its id and its number of steps. */
export async function course(page) {
  return page.locator('[data-testid=lesson-card]').evaluateAll((cards) =>
    cards.map((c) => ({ id: c.dataset.lesson, steps: Number(c.dataset.steps) })));
}

/** A lesson page as a reader sees it. */
export class LessonPage {
  constructor(page) { this.page = page; }
  async goto(lesson, step = '') {
    await this.page.evaluate((h) => { location.hash = h; }, `#/lesson/${lesson}${step ? '/' + step : ''}`);
    await this.page.waitForSelector(`[data-testid=lesson][data-lesson="${lesson}"]`);
  }
  title() { return this.page.textContent('[data-testid=step-title]'); }
  step() { return this.page.getAttribute('[data-testid=lesson]', 'data-step'); }
  async next() { await this.page.click('[data-testid=next]'); }
  widget(name) { return this.page.locator(`[data-widget="${name}"]`); }
}

/** Lesson 10's image step as a reader uses it: prompt, sample, read, cancel. */
export class DiffusionImages {
  constructor(page) { this.page = page; }
  /** Waits for the shipped U-Net. */
  async ready() {
    await this.page.waitForFunction(() => document.querySelector('[data-testid=weights-avatar-unet]')?.textContent.includes('shipped'), null, { timeout: 60_000 });
  }
  /** Prompt: sunglasses + red hair, with the DDIM sampler and `steps` steps. */
  async promptGlassesRedHair(steps) {
    await this.page.selectOption('[data-testid=prompt-0]', 'sunglasses');
    await this.page.selectOption('[data-testid=prompt-3]', 'red');
    await this.page.locator('[data-testid=sample-steps]').fill(String(steps));
  }
  /** Generates 16 people and waits for the grid; returns the status line. */
  async generate(timeout = 120_000) {
    await this.page.click('[data-testid=generate]');
    await this.page.waitForSelector('[data-testid=samples][data-finished=true]', { timeout });
    return this.page.textContent('[data-testid=samples-status]');
  }
  /** How many of the 16 the feature classifier reads as wearing sunglasses, with red
   * hair, and both; with the readout's text for messages. */
  async promptCounts() {
    const readout = await this.page.textContent('[data-testid=samples-readout]');
    const m = readout.match(/sunglasses \(accessory\): (\d+) of 16 .*red \(hair colour\): (\d+) of 16 .*all of them: (\d+) of 16/);
    if (!m) throw new Error(`no prompt counts in: ${readout}`);
    const [glasses, red, both] = m.slice(1).map(Number);
    return { glasses, red, both, readout };
  }
  /** Starts a 250-step DDPM run, cancels it part-way; returns whether Generate is enabled again. */
  async cancelLongRun() {
    await this.page.click('[data-testid=sampler-ddpm]');
    await this.page.locator('[data-testid=sample-steps]').fill('250');
    await this.page.click('[data-testid=generate]');
    await this.page.waitForFunction(() => /step [1-9]\d* of 250/.test(document.querySelector('[data-testid=samples-status]')?.textContent ?? ''), null, { timeout: 60_000 });
    await this.page.click('[data-testid=cancel-sampling]');
    await this.page.waitForFunction(() => /cancelled at step \d+ of 250/.test(document.querySelector('[data-testid=samples-status]')?.textContent ?? ''));
    return this.page.isEnabled('[data-testid=generate]');
  }
}
