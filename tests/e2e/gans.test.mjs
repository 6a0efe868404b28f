// Lesson 6 as a reader uses it: the shipped 2-D GANs are drawn with the ring they imitate
// and measured against it (the fix covers the ring, the collapse preset does not); a GAN
// trained here moves its points, grows its loss and coverage curves, and stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** The number of modes covered, read from a readout. */
const covered = async (page, id) => {
  await page.waitForFunction((i) => /of 8 modes covered/.test(document.querySelector(`[data-testid=${i}-coverage]`)?.textContent ?? ''), id, { timeout: 60_000 });
  return Number((await page.textContent(`[data-testid=${id}-coverage]`)).match(/(\d) of 8 modes covered/)[1]);
};

test('lesson 6: the shipped GANs against the ring, and a GAN trained here', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/gans/collapse');
  assert.ok(await covered(page, 'gan-collapse') <= 3, 'the collapse preset covers few modes');
  const l = new LessonPage(page);
  await l.goto('gans', 'ring');
  assert.ok(await covered(page, 'gan') >= 7, 'the fix covers the ring');
  const before = await page.innerHTML('[data-testid=gan-plane]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-gan-ring]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-gan-ring]');
  // New weights are published about once a second: the points move, the curves appear.
  await page.waitForSelector('[data-testid=gan-curves] svg', { timeout: 120_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-gan-ring]')?.value) >= 20, null, { timeout: 120_000 });
  assert.notEqual(await page.innerHTML('[data-testid=gan-plane]'), before);
  await page.click('[data-testid=stop-gan-ring]');
  // The loss curve names both players' parts.
  const losses = await page.innerHTML('[data-testid=loss-curve-gan-ring]');
  assert.match(losses, /D\/real/);
  assert.match(losses, />G</);
  assert.deepEqual(errors, []);
  await page.close();
});
