// With --enable-unsafe-webgpu, headless Chromium exposes a (SwiftShader) WebGPU adapter:
// the badge must say WebGPU, the reader can switch to the CPU, and lessons still work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open } from './lib.mjs';

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
