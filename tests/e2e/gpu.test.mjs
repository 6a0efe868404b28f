// Lesson 10's U-Net on WebGPU in the page. On any adapter (SwiftShader in CI, about 16 s
// per guided step there): 10 DDIM steps from a prompt give 16 people who carry it. On a
// hardware adapter, as a reader with a real GPU uses it: 50 DDIM steps, training the U-Net
// in the tab, cancelling a long run. `CHROMIUM_GPU_ARGS` carries the switches a real GPU
// needs (see lib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open } from './lib.mjs';

let browser;
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

test('lesson 10 on WebGPU, any adapter: 10 guided DDIM steps give 16 people with the prompt', async (t) => {
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/images');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent !== '…', null, { timeout: 30_000 });
  if (await page.textContent('[data-testid=compute-path]') !== 'WebGPU') {
    t.skip(`no WebGPU here (${await page.textContent('.compute-why')})`);
    await page.close();
    return;
  }
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-avatar-unet]')?.textContent.includes('shipped'), null, { timeout: 60_000 });
  await page.selectOption('[data-testid=prompt-0]', '2'); // sunglasses
  await page.selectOption('[data-testid=prompt-3]', '4'); // red hair
  await page.locator('[data-testid=sample-steps]').fill('10');
  await page.click('[data-testid=generate]');
  await page.waitForSelector('[data-testid=samples][data-finished=true]', { timeout: 900_000 });
  const status = await page.textContent('[data-testid=samples-status]');
  assert.match(status, /16 samples, 10 steps in [\d.]+ s on WebGPU/);
  t.diagnostic(`${status} (${await page.textContent('.compute-why')})`);
  assert.equal(await page.locator('[data-testid=samples] img').count(), 16);
  const readout = await page.textContent('[data-testid=samples-readout]');
  const counts = readout.match(/sunglasses \(accessory\): (\d+) of 16 .*red \(hair colour\): (\d+) of 16/);
  assert.ok(counts, readout);
  // The same bar as the CPU spec: the GPU path runs the same network to tolerance.
  assert.ok(Number(counts[1]) >= 12 && Number(counts[2]) >= 12, readout);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 10 on a hardware GPU: a prompt, 50 DDIM steps, training in the tab, cancel', async (t) => {
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/images');
  const adapter = await hardwareAdapter(page);
  if (!adapter) {
    t.skip(`no hardware WebGPU adapter here (${await page.textContent('.compute-why')})`);
    await page.close();
    return;
  }
  t.diagnostic(`adapter: ${adapter}`);
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-avatar-unet]')?.textContent.includes('shipped'), null, { timeout: 60_000 });
  // Prompt: sunglasses + red hair, DDIM, 50 steps, the default guidance.
  await page.selectOption('[data-testid=prompt-0]', '2');
  await page.selectOption('[data-testid=prompt-3]', '4');
  await page.locator('[data-testid=sample-steps]').fill('50');
  for (let run = 0; run < 2; run++) { // the first run builds the pipelines
    await page.click('[data-testid=generate]');
    await page.waitForSelector('[data-testid=samples][data-finished=true]', { timeout: 120_000 });
    const status = await page.textContent('[data-testid=samples-status]');
    assert.match(status, /16 samples, 50 steps in [\d.]+ s on WebGPU/);
    t.diagnostic(`run ${run + 1}: ${status}`);
  }
  assert.equal(await page.locator('[data-testid=samples] img').count(), 16);
  const readout = await page.textContent('[data-testid=samples-readout]');
  const counts = readout.match(/sunglasses \(accessory\): (\d+) of 16 .*red \(hair colour\): (\d+) of 16 .*all of them: (\d+) of 16/);
  assert.ok(counts, readout);
  const [glasses, red, both] = counts.slice(1).map(Number);
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
  await page.click('[data-testid=sampler-ddpm]');
  await page.locator('[data-testid=sample-steps]').fill('250');
  await page.click('[data-testid=generate]');
  await page.waitForFunction(() => /step [1-9]\d* of 250/.test(document.querySelector('[data-testid=samples-status]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=cancel-sampling]');
  await page.waitForFunction(() => /cancelled at step \d+ of 250/.test(document.querySelector('[data-testid=samples-status]')?.textContent ?? ''));
  assert.equal(await page.isEnabled('[data-testid=generate]'), true);
  assert.deepEqual(errors, []);
  await page.close();
});
