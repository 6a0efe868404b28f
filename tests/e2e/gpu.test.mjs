// Lesson 10's U-Net on WebGPU in the page. On any adapter (SwiftShader in CI, about 16 s
// per guided step there): 10 DDIM steps from a prompt give 16 people who carry it. On a
// hardware adapter, as a reader with a real GPU uses it: 50 DDIM steps, training the U-Net
// in the tab, cancelling a long run. `CHROMIUM_GPU_ARGS` carries the switches a real GPU
// needs (see lib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, DiffusionImages } from './lib.mjs';

let browser;
/** What the first test's badge said of the adapter; a software one means the second test
 * skips without opening a page (the GPU process may still be draining the first test's
 * queued SwiftShader work, which can hold a new page's first paint for over a minute). */
let softwareAdapter = null;
before(async () => { browser = await launch({ webgpu: true }); });
after(async () => { await browser.close(); });

/** The badge's adapter description once detection ends, or null where it is not WebGPU
 * on hardware. */
async function hardwareAdapter(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent !== '…', null, { timeout: 30_000 });
  const path = await page.textContent('[data-testid=compute-path]');
  const why = await page.textContent('.compute-why');
  if (path !== 'WebGPU' || /swiftshader|fallback|software|llvmpipe|lavapipe/i.test(why)) return null;
  return why;
}

test('lesson 10 on WebGPU, any adapter: 10 guided DDIM steps give 16 people with the prompt; the U-Net trains in the tab', async (t) => {
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/images');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent !== '…', null, { timeout: 30_000 });
  if (await page.textContent('[data-testid=compute-path]') !== 'WebGPU') {
    t.skip(`no WebGPU here (${await page.textContent('.compute-why')})`);
    await page.close();
    return;
  }
  if (!(await hardwareAdapter(page))) softwareAdapter = await page.textContent('.compute-why');
  const l10 = new DiffusionImages(page);
  await l10.ready();
  await l10.promptGlassesRedHair(10);
  const status = await l10.generate(900_000);
  assert.match(status, /16 samples, 10 steps in [\d.]+ m?s on WebGPU/);
  t.diagnostic(`${status} (${await page.textContent('.compute-why')})`);
  assert.equal(await page.locator('[data-testid=samples] img').count(), 16);
  // The same bar as the CPU spec: the GPU path runs the same network to tolerance.
  const { glasses, red, readout } = await l10.promptCounts();
  assert.ok(glasses >= 12 && red >= 12, readout);
  // Training in the tab on WebGPU: a first step (about a minute on SwiftShader), then stop.
  await page.click('[data-testid=train-avatar-unet]');
  await page.waitForFunction(() => /step [1-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-avatar-unet]')?.textContent ?? ''), null, { timeout: 600_000 });
  await page.click('[data-testid=stop-avatar-unet]');
  await page.waitForFunction(() => /on WebGPU · stopped/.test(document.querySelector('[data-testid=progress-text-avatar-unet]')?.textContent ?? ''), null, { timeout: 600_000 });
  assert.equal(await page.locator('.notice').count(), 0, 'no failure notice');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 10 on a hardware GPU: a prompt, 50 DDIM steps, training in the tab, cancel', async (t) => {
  if (softwareAdapter) {
    t.skip(`no hardware WebGPU adapter here (${softwareAdapter})`);
    return;
  }
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/images');
  const adapter = await hardwareAdapter(page);
  if (!adapter) {
    t.skip(`no hardware WebGPU adapter here (${await page.textContent('.compute-why')})`);
    await page.close();
    return;
  }
  t.diagnostic(`adapter: ${adapter}`);
  const l10 = new DiffusionImages(page);
  await l10.ready();
  await l10.promptGlassesRedHair(50);
  for (let run = 0; run < 2; run++) { // the first run builds the pipelines
    const status = await l10.generate();
    assert.match(status, /16 samples, 50 steps in [\d.]+ m?s on WebGPU/);
    t.diagnostic(`run ${run + 1}: ${status}`);
  }
  assert.equal(await page.locator('[data-testid=samples] img').count(), 16);
  const { glasses, red, both, readout } = await l10.promptCounts();
  assert.ok(glasses >= 12 && red >= 12 && both >= 10, readout);

  // Training in the tab runs on WebGPU, shows its steps, and stops.
  await page.click('[data-testid=train-avatar-unet]');
  await page.waitForFunction(() => /step [1-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-avatar-unet]')?.textContent ?? ''), null, { timeout: 120_000 });
  const s0 = Number(await page.getAttribute('[data-testid=progress-avatar-unet]', 'value'));
  const t0 = Date.now();
  await page.waitForFunction((v) => Number(document.querySelector('[data-testid=progress-avatar-unet]')?.value) >= v + 20, s0, { timeout: 120_000 });
  const s1 = Number(await page.getAttribute('[data-testid=progress-avatar-unet]', 'value'));
  t.diagnostic(`training: ${((Date.now() - t0) / (s1 - s0)).toFixed(0)} ms per step on WebGPU (${await page.textContent('[data-testid=progress-text-avatar-unet]')})`);
  await page.click('[data-testid=stop-avatar-unet]');
  assert.equal(await page.locator('.notice').count(), 0, 'no failure notice');

  // A long DDPM run is cancelled part-way; the page stays usable.
  assert.equal(await l10.cancelLongRun(), true);
  assert.deepEqual(errors, []);
  await page.close();
});
