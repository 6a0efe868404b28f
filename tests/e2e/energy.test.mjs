// Lesson 9 as a reader uses it: Langevin particles on a known energy, run, the temperature
// moved, measured against exact draws; particles on the energy learnt from the ring; an
// energy trained here and stopped; the RBM inpainting a person, ranking anomalies, and
// training here with k = 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('lesson 9: Langevin on a known energy and on a learnt one, and an energy trained here', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/energy/landscape');
  await page.waitForSelector('[data-testid=langevin-plane] svg', { timeout: 60_000 });
  await page.locator('[data-testid=langevin-temp]').fill('0.5');
  await page.locator('[data-testid=langevin-eps]').fill('-2.5');
  await page.click('[data-testid=langevin-play]');
  await page.waitForFunction(() => /^([2-9]\d\d|\d{4,}) steps at ε = 0\.00316, T = 0\.5/.test(document.querySelector('[data-testid=langevin-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=langevin-play]');
  const d = Number((await page.textContent('[data-testid=langevin-readout]')).match(/exact draws ([\d.]+)/)[1]);
  assert.ok(d > 0 && d < 0.2, `energy distance ${d}`);
  const l = new LessonPage(page);
  await l.goto('energy', 'learnt');
  await page.waitForFunction(() => !document.querySelector('[data-testid=ebm-play]')?.disabled, null, { timeout: 60_000 });
  await page.locator('[data-testid=ebm-eps]').fill('-2');
  await page.click('[data-testid=ebm-play]');
  await page.waitForFunction(() => /^[1-9]\d* Langevin steps at ε = 0\.01,/.test(document.querySelector('[data-testid=ebm-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=ebm-play]');
  await page.click('[data-testid=train-ebm-ring]');
  await page.waitForFunction(() => /step [1-9]\d* of 3000/.test(document.querySelector('[data-testid=progress-text-ebm-ring]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=stop-ebm-ring]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 9: the RBM inpaints a person, ranks the odd pictures first, and trains here', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/energy/inpaint');
  await page.waitForFunction(() => !document.querySelector('[data-testid=rbm-inpaint-play]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=rbm-inpaint-play]');
  const read = () => page.textContent('[data-testid=rbm-inpaint-readout]');
  await page.waitForFunction(() => /^sweep ([3-9]\d|\d{3})/.test(document.querySelector('[data-testid=rbm-inpaint-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=rbm-inpaint-play]');
  const off = Number((await read()).match(/in ([\d.]+) of 512 pixels/)[1]);
  assert.ok(off < 150, `the bottom halves differ in ${off} pixels`);
  assert.equal(await page.locator('[data-testid=rbm-inpainted] img').count(), 8);
  const odd = await page.$$eval('[data-testid=anomaly-list] li', (li) => li.map((x) => x.dataset.ood));
  assert.deepEqual(odd.slice(0, 3), ['true', 'true', 'true']);
  assert.ok(odd.slice(3).every((o) => o === 'false') && odd.length === 15);
  const l = new LessonPage(page);
  await l.goto('energy', 'rbm');
  await page.locator('[data-testid=rbm-k]').fill('3');
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-rbm-avatars]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-rbm-avatars]');
  await page.waitForFunction(() => /step [1-9]\d* of 1500/.test(document.querySelector('[data-testid=progress-text-rbm-avatars]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=stop-rbm-avatars]');
  assert.equal(await page.locator('[data-testid=rbm-filters] img').count(), 32);
  assert.deepEqual(errors, []);
  await page.close();
});
