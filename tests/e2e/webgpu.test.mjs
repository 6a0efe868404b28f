// With --enable-unsafe-webgpu, headless Chromium exposes a (SwiftShader) WebGPU adapter:
// the badge must say WebGPU, the reader can switch to the CPU, and lessons still work:
// training survives a lost device, lesson 6 samples and trains on the GPU path, and so
// does lesson 7's transformer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch({ webgpu: true }); });
after(async () => { await browser.close(); });

test('the badge finds the WebGPU adapter and the reader can switch paths', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/fashion-outfits/generate');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent !== '…', null, { timeout: 30_000 });
  assert.equal(await page.textContent('[data-testid=compute-path]'), 'WebGPU');
  await page.click('[data-testid=compute-badge] button');
  assert.equal(await page.textContent('[data-testid=compute-path]'), 'CPU');
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'CPU', null, { timeout: 30_000 });
  await page.click('[data-testid=compute-badge] button');
  assert.equal(await page.textContent('[data-testid=compute-path]'), 'WebGPU');
  await page.click('[data-testid=generate-10]');
  assert.equal(await page.locator('[data-testid=generated-avatar]').count(), 10);
  assert.deepEqual(errors, []);
  await page.close();
});

test('training on WebGPU survives a lost GPU device: it says so and carries on on the CPU', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/autoencoder');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'WebGPU', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-jar-ae]')?.textContent.includes('shipped'), null, { timeout: 60_000 });
  await page.click('[data-testid=train-jar-ae]');
  await page.waitForFunction(() => /step [1-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-jar-ae]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => window.genlab.genlab_simulate_gpu_loss()), true);
  await page.waitForSelector('.notice', { timeout: 60_000 });
  assert.match(await page.textContent('.notice'), /GPU device was lost.*carried on|went on on the CPU/);
  assert.equal(await page.textContent('[data-testid=compute-path]'), 'CPU');
  const s = Number(await page.getAttribute('[data-testid=progress-jar-ae]', 'value'));
  await page.waitForFunction((v) => Number(document.querySelector('[data-testid=progress-jar-ae]')?.value) > v + 3, s, { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=progress-text-jar-ae]'), /on the CPU/);
  await page.click('[data-testid=stop-jar-ae]');
  // Device loss is reported through the console by the browser itself; nothing else may fail.
  assert.deepEqual(errors.filter((e) => !/lost|destroy/i.test(e)), []);
  await page.close();
});


test('lesson 6 on WebGPU: the DCGAN draws 16 people on the GPU path, and the 2-D GAN trains there', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/gans/people');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'WebGPU', null, { timeout: 30_000 });
  await page.waitForFunction(() => /16 samples, 1 step in .* on WebGPU/.test(document.querySelector('[data-testid=gan-people-status]')?.textContent ?? ''), null, { timeout: 120_000 });
  assert.equal(await page.locator('[data-testid=gan-people] img').count(), 16);
  await page.evaluate(() => { location.hash = '#/lesson/gans/ring'; });
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-gan-ring]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-gan-ring]');
  await page.waitForFunction(() => /step [2-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-gan-ring]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('[data-testid=stop-gan-ring]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 7 on WebGPU: the transformer trains on the GPU path, its attention follows the prefix, a person is completed there', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/autoregressive/attention');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'WebGPU', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=attention-map]').length === 8, null, { timeout: 60_000 });
  await page.fill('[data-testid=gpt-prefix]', 'ko');
  await page.waitForFunction(() => document.querySelector('[data-testid=attention-map]')?.querySelectorAll('tbody tr').length === 3, null, { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-names-gpt]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-names-gpt]');
  await page.waitForFunction(() => /step [2-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-names-gpt]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('[data-testid=stop-names-gpt]');
  // A half-hidden person completed on WebGPU: the first row drawn and previewed (a row of
  // 32 pixel passes takes SwiftShader ~8 s, the whole half minutes), then cancelled.
  await page.evaluate(() => { location.hash = '#/lesson/autoregressive/pixels'; });
  await page.waitForFunction(() => !document.querySelector('[data-testid=pixels-complete]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=pixels-complete]');
  await page.waitForFunction(() => /step [1-9]\d* of 16 .* on WebGPU/.test(document.querySelector('[data-testid=pixels-completions-status]')?.textContent ?? ''), null, { timeout: 120_000 });
  assert.equal(await page.locator('[data-testid=pixels-completions] img').count(), 4);
  await page.click('[data-testid=pixels-complete-cancel]');
  await page.waitForFunction(() => /cancelled at step/.test(document.querySelector('[data-testid=pixels-completions-status]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 8 on WebGPU: a flow trains on the GPU path and its layers can be walked', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/flows/plane');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'WebGPU', null, { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-flow-moons]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-flow-moons]');
  await page.waitForFunction(() => /step [2-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-flow-moons]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('[data-testid=stop-flow-moons]');
  await page.evaluate(() => { location.hash = '#/lesson/flows/layers'; });
  await page.waitForSelector('[data-testid=flow-stages] svg', { timeout: 60_000 });
  await page.locator('[data-testid=flow-stage]').fill('8');
  await page.waitForFunction(() => /Data side/.test(document.querySelector('[data-testid=flow-stages]')?.textContent ?? ''));
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 9 on WebGPU: an energy trains and Langevin runs on it; the RBM trains on the GPU path and inpaints', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/energy/learnt');
  await page.waitForFunction(() => document.querySelector('[data-testid=compute-path]')?.textContent === 'WebGPU', null, { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-ebm-ring]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-ebm-ring]');
  await page.waitForFunction(() => /step [2-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-ebm-ring]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('[data-testid=stop-ebm-ring]');
  // Langevin particles on the energy just trained, with a smaller step.
  await page.locator('[data-testid=ebm-eps]').fill('-2');
  await page.click('[data-testid=ebm-play]');
  await page.waitForFunction(() => /^[1-9]\d* Langevin steps at ε = 0\.01,/.test(document.querySelector('[data-testid=ebm-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=ebm-play]');
  // The RBM's CD-1 draws its coin flips on the device; its chains run on the engine's
  // CPU weights.
  await new LessonPage(page).goto('energy', 'rbm');
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-rbm-avatars]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-rbm-avatars]');
  await page.waitForFunction(() => /step [2-9]\d* of .* on WebGPU/.test(document.querySelector('[data-testid=progress-text-rbm-avatars]')?.textContent ?? ''), null, { timeout: 120_000 });
  await page.click('[data-testid=stop-rbm-avatars]');
  await new LessonPage(page).goto('energy', 'inpaint');
  await page.waitForFunction(() => !document.querySelector('[data-testid=rbm-inpaint-play]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=rbm-inpaint-play]');
  await page.waitForFunction(() => /^sweep [1-9]\d/.test(document.querySelector('[data-testid=rbm-inpaint-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=rbm-inpaint-play]');
  assert.deepEqual(errors, []);
  await page.close();
});
