// Shared helpers for the end-to-end tests: launching Debian's Chromium through
// playwright-core, and page objects that read the notebook the way a reader does.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = process.env.GENLAB_URL || 'http://127.0.0.1:8080/';

/** Extra Chromium switches for WebGPU from `CHROMIUM_GPU_ARGS` (space-separated): on a
 * machine with a real GPU, e.g. `--use-angle=vulkan --enable-features=Vulkan
 * --disable-vulkan-surface --ignore-gpu-blocklist`. Empty by default (SwiftShader). */
export const GPU_ARGS = (process.env.CHROMIUM_GPU_ARGS || '').split(/\s+/).filter(Boolean);

/** Launches headless Chromium with a fresh profile; `webgpu` adds the flags WebGPU needs. */
export async function launch({ webgpu = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'genlab-chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
  if (webgpu) args.push('--enable-unsafe-webgpu', ...GPU_ARGS);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    viewport: { width: 1200, height: 900 },
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
