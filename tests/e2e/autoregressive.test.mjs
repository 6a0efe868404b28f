// Lesson 7 as a reader uses it: an outfit built feature by feature, the log-probability
// (and a person completed pixel by pixel, measured in bits per pixel)
// summed as it goes; a prefix typed and the transformer's attention maps changing with it;
// names sampled at two temperatures, one written slowly; the transformer trained here, stopped; every model
// measured against the source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('lesson 7: an outfit feature by feature, and the chain against naive Bayes', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/autoregressive/chain');
  await page.waitForSelector('[data-testid=chain-bars] svg', { timeout: 60_000 });
  // The reader picks the first feature; the chain draws the other four.
  await page.locator('[data-testid=chain-pick]').nth(1).click();
  assert.equal(await page.locator('[data-testid=chain-table] tbody tr').count(), 1);
  for (let i = 0; i < 4; i++) await page.click('[data-testid=chain-draw]');
  assert.equal(await page.locator('[data-testid=chain-table] tbody tr').count(), 5);
  assert.match(await page.textContent('[data-testid=chain-total]'), /round glasses.*under the chain \(log₂ p = −[\d.]+\)/);
  const l = new LessonPage(page);
  await l.goto('autoregressive', 'sharing');
  // At N = 5000 the chain is below naive Bayes.
  await page.locator('[data-testid=ar-n-slider]').fill('3.7');
  await page.waitForFunction(() => /N = 5000/.test(document.querySelector('[data-testid=ar-kl-table]')?.textContent ?? ''));
  const chain = Number(await page.textContent('[data-testid=ar-kl-chain]'));
  const nb = Number(await page.textContent('[data-testid=ar-kl-nb]'));
  assert.ok(chain < nb, `chain ${chain} vs naive Bayes ${nb}`);
  // A person's lower half completed four times, pixel by pixel, on the CPU path.
  await l.goto('autoregressive', 'pixels');
  await page.waitForFunction(() => !document.querySelector('[data-testid=pixels-complete]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=pixels-complete]');
  await page.waitForFunction(() => /4 samples, 16 steps/.test(document.querySelector('[data-testid=pixels-completions-status]')?.textContent ?? ''), null, { timeout: 120_000 });
  assert.equal(await page.locator('[data-testid=pixels-completions] img').count(), 4);
  await page.waitForFunction(() => !/…/.test(document.querySelector('[data-testid=pixels-bits]')?.textContent ?? '…'), null, { timeout: 60_000 });
  const bpp = (await page.locator('[data-testid=pixels-bits] tbody tr').allTextContents()).map((r) => Number(r.match(/(\d+\.\d+)/)[1]));
  assert.ok(bpp[1] < bpp[0] / 10, `PixelCNN ${bpp[1]} vs independent ${bpp[0]}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 7: the transformer attends to the typed prefix, samples at two temperatures, trains here', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/autoregressive/attention');
  const maps = '[data-testid=attention-map]';
  await page.waitForFunction((m) => document.querySelectorAll(m).length === 8, maps, { timeout: 60_000 });
  // "mar": four positions (the start and three letters) per map.
  assert.equal(await page.locator(`${maps} >> nth=0`).locator('tbody tr').count(), 4);
  const before = await page.innerHTML('[data-testid=gpt-attention]');
  await page.fill('[data-testid=gpt-prefix]', 'kalo');
  await page.waitForFunction((m) => document.querySelector(m)?.querySelectorAll('tbody tr').length === 5, maps, { timeout: 30_000 });
  assert.notEqual(await page.innerHTML('[data-testid=gpt-attention]'), before);
  // Above the diagonal is masked: 4 + 3 + 2 + 1 cells of 25.
  assert.equal(await page.locator(`${maps} >> nth=0`).locator('td.masked').count(), 10);
  assert.match(await page.innerHTML('[data-testid=gpt-next]'), /the source/);

  await page.waitForFunction(() => !document.querySelector('[data-testid=train-names-gpt]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-names-gpt]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-names-gpt]')?.value) >= 5, null, { timeout: 120_000 });
  await page.click('[data-testid=stop-names-gpt]');
  await page.waitForFunction(() => /stopped/.test(document.querySelector('[data-testid=progress-text-names-gpt]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.waitForSelector('[data-testid=loss-curve-names-gpt] svg');
  // Back to the shipped weights for the sampling step.
  await page.click('[data-testid=train-panel-names-gpt] >> text=Use the shipped weights');

  const l = new LessonPage(page);
  await l.goto('autoregressive', 'sampling');
  const stats = '[data-testid=names-sample-stats]';
  await page.waitForFunction((s) => /Of 200 names drawn/.test(document.querySelector(s)?.textContent ?? ''), stats, { timeout: 60_000 });
  const distinct = async () => Number((await page.textContent(stats)).match(/(\d+) distinct/)[1]);
  const warm = await distinct();
  await page.locator('[data-testid=names-temperature]').fill('0.1');
  await page.waitForFunction((s) => /Of 200 names drawn/.test(document.querySelector(s)?.textContent ?? ''), stats);
  await page.waitForFunction(([s, w]) => Number((document.querySelector(s)?.textContent ?? '').match(/(\d+) distinct/)?.[1]) < w / 2, [stats, warm], { timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=names-sample-list] li').count(), 12);
  assert.match(await page.textContent('[data-testid=names-chain]'), /end/);
  // One name written slowly: the law of each symbol is drawn before it, until the end.
  await page.click('[data-testid=names-slow]');
  await page.waitForSelector('[data-testid=names-slow-law] svg', { timeout: 30_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=names-slow]')?.disabled
    && document.querySelectorAll('[data-testid=names-slow-list] .sym').length >= 2, null, { timeout: 60_000 });

  await l.goto('autoregressive', 'truth');
  await page.waitForFunction(() => !/…/.test(document.querySelector('[data-testid=names-truth]')?.textContent ?? '…'), null, { timeout: 60_000 });
  const cells = await page.locator('[data-testid=names-truth] tbody tr').allTextContents();
  const bits = cells.map((r) => Number(r.match(/(\d+\.\d+)/)[1]));
  assert.ok(bits[3] < bits[1], `transformer ${bits[3]} vs bigram ${bits[1]}`);
  assert.ok(bits[3] >= bits[0] - 0.05, `transformer ${bits[3]} vs the source ${bits[0]}`);
  assert.deepEqual(errors, []);
  await page.close();
});
