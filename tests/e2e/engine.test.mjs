// The engine's worker as a reader meets it when it cannot start (an old browser, a
// blocked script, a failed download): the page says so where training would be, the
// lessons that need no engine keep working, and "Try again" starts it once it can.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a blocked engine is explained where it is needed, lessons 0–3 work, and retry recovers', async () => {
  const block = (route) => route.abort();
  await browser.context.route('**/www/engine.js', block);
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/autoencoder');
  await page.waitForSelector('[data-testid=engine-failed]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=engine-failed]'), /Training and sampling are unavailable: .*engine/);
  assert.equal(await page.isDisabled('[data-testid=train-jar-ae]'), true);
  assert.match(await page.textContent('[data-testid=compute-badge]'), /engine is not running/);
  // A lesson that needs no engine works as ever.
  const l = new LessonPage(page);
  await l.goto('fashion-outfits', 'naive-bayes');
  await page.waitForSelector('[data-widget] svg');
  // The script can be fetched again: "Try again" starts the engine.
  await browser.context.unroute('**/www/engine.js', block);
  await l.goto('latent-space', 'autoencoder');
  await page.click('[data-testid=engine-retry]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=engine-failed]') && document.querySelector('[data-testid=compute-path]')?.textContent === 'CPU', null, { timeout: 60_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-jar-ae]')?.disabled, null, { timeout: 60_000 });
  // The shipped weights fetched while the engine was down reach it once it runs.
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-jar-ae]')?.textContent.includes('Using shipped weights'), null, { timeout: 60_000 });
  await page.click('[data-testid=train-jar-ae]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-jar-ae]')?.value) >= 2, null, { timeout: 60_000 });
  await page.click('[data-testid=stop-jar-ae]');
  // Only the blocked script's own failure reached the console.
  assert.deepEqual(errors.filter((e) => !/engine|engine\.js|ERR_FAILED/i.test(e)), []);
  await page.close();
});

test('a later lesson whose steps or widgets cannot be downloaded says so, and "Try again" loads them', async () => {
  // Lessons after 3 keep their steps in a file and their widgets in chunks of the page's
  // wasm, both fetched on first use.
  const block = (route) => route.abort();
  await browser.context.route('**/pkg/split_jars.wasm', block);
  await browser.context.route('**/lessons/04-latent-space.body.postcard', block);
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/pca');
  await page.waitForSelector('[data-testid=step-failed]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=step-failed]'), /could not be loaded: could not fetch/);
  assert.match(await page.textContent('[data-testid=step-title]'), /PCA/);
  await browser.context.unroute('**/lessons/04-latent-space.body.postcard', block);
  await page.click('[data-testid=step-retry]');
  await page.waitForSelector('[data-testid=widget-failed]', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=widget-failed]'), /could not be downloaded/);
  await browser.context.unroute('**/pkg/split_jars.wasm', block);
  await page.click('[data-testid=widget-retry]');
  await page.waitForSelector('[data-widget] svg', { timeout: 60_000 });
  assert.equal(await page.$('[data-testid=widget-failed]'), null);
  assert.deepEqual(errors.filter((e) => !/split_jars|body\.postcard|could not be downloaded|ERR_FAILED|TypeError: Failed to fetch/i.test(e)), []);
  await page.close();
});

test('a corrupt weights file is named in words, and the reader can still train', async () => {
  const garbage = (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: 'not a safetensors file' });
  await browser.context.route('**/www/weights/jar-ae.safetensors', garbage);
  const { page } = await open(browser.context, '#/lesson/latent-space/autoencoder');
  await page.waitForFunction(() => /cannot use/.test(document.querySelector('[data-testid=weights-jar-ae]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=weights-jar-ae]'), /Could not load the shipped weights: the engine cannot use the weights file: not a valid safetensors file \(22 bytes\).*train the model here instead/);
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-jar-ae]')?.disabled, null, { timeout: 60_000 });
  await browser.context.unroute('**/www/weights/jar-ae.safetensors', garbage);
  await page.close();
});
