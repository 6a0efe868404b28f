// Lesson 8 as a reader uses it: the line bent and the density following; the shipped flow
// drawn over the moons, a run trained here on the ring and stopped; the flow walked from
// the noise to the data with its log-determinants; lesson 1's table with a flow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('lesson 8: bend a line, train a flow here, walk it layer by layer, compare with lesson 1', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/flows/line');
  await page.locator('[data-testid=flow1d-a]').fill('2.5');
  await page.waitForFunction(() => /area under p_x.*: 1(\.0+)?\.?$/.test(document.querySelector('[data-testid=flow1d-readout]')?.textContent ?? ''));
  const l = new LessonPage(page);
  await l.goto('flows', 'plane');
  await page.waitForSelector('[data-testid=flow-plane] svg', { timeout: 60_000 });
  const shipped = Number((await page.textContent('[data-testid=flow-readout]')).match(/likelihood: (−?[\d.]+)/)[1].replace('−', '-'));
  assert.ok(shipped > 0, `shipped flow on the moons: ${shipped} nats per point`);
  // A run on the ring, trained here and stopped.
  await page.click('[data-testid=flow-settings] summary');
  await page.getByRole('button', { name: 'ring of 8' }).click();
  await page.click('[data-testid=train-flow-moons]');
  await page.waitForFunction(() => /step [1-9]\d* of 2000/.test(document.querySelector('[data-testid=progress-text-flow-moons]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=stop-flow-moons]');
  await page.waitForFunction(() => /stopped/.test(document.querySelector('[data-testid=progress-text-flow-moons]')?.textContent ?? ''), null, { timeout: 60_000 });
  // The walk: each stage redraws, and the log-determinants sum to the log-likelihood.
  await l.goto('flows', 'glow');
  await page.waitForSelector('[data-testid=glow-stages] svg', { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=glow-stages]'), /Noise side/);
  await page.locator('[data-testid=glow-stage]').fill('12');
  await page.waitForFunction(() => /After 12 of 24 layers/.test(document.querySelector('[data-testid=glow-stages]')?.textContent ?? ''));
  assert.equal(await page.locator('[data-testid=glow-logdets] tr.current').count(), 1);
  await l.goto('flows', 'table');
  await page.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=flow-table-flow]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
