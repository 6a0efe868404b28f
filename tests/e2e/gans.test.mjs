// Lesson 6 as a reader uses it: the shipped 2-D GANs are drawn with the ring they imitate
// and measured against it (the fix covers the ring, the collapse preset does not); a GAN
// trained here moves its points, grows its loss and coverage curves, stops, steps one
// network alone and plays in slow motion; a GAN trains on points the reader drew. Then the DCGAN: a grid of 16
// people drawn again, a walk in noise space, its people read against P_data, and training
// it here.
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
  // One step of D alone: the step count moves by one and the run stops again.
  await page.waitForFunction(() => !document.querySelector('[data-testid=gan-step-d]')?.disabled, null, { timeout: 60_000 });
  const at = Number(await page.getAttribute('[data-testid=progress-gan-ring]', 'value'));
  await page.click('[data-testid=gan-step-d]');
  await page.waitForFunction((a) => Number(document.querySelector('[data-testid=progress-gan-ring]')?.value) === a + 1
    && /stopped|done/.test(document.querySelector('[data-testid=progress-text-gan-ring]')?.textContent ?? ''), at, { timeout: 60_000 });
  // Slow motion steps on by itself until stopped, at the speed the reader sets.
  await page.fill('[data-testid=gan-slow-rate]', '20');
  await page.click('[data-testid=gan-slow]');
  await page.waitForFunction((a) => Number(document.querySelector('[data-testid=progress-gan-ring]')?.value) >= a + 3, at + 1, { timeout: 60_000 });
  await page.click('[data-testid=gan-slow]');
  await page.waitForFunction(() => /Slow motion/.test(document.querySelector('[data-testid=gan-slow]')?.textContent ?? '')
    && !document.querySelector('[data-testid=gan-slow]')?.disabled, null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 6: a GAN trained on points the reader drew', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/gans/ring');
  await covered(page, 'gan');
  await page.click('[data-testid=gan-settings] summary');
  await page.click('[data-testid=gan-draw]');
  const plane = page.locator('[data-testid=gan-plane]');
  await plane.scrollIntoViewIfNeeded();
  const box = await plane.boundingBox();
  // A short stroke up and to the right, in the plot's middle: each point is counted before
  // the next click, as a reader sees it land (the page may be busy redrawing the plane).
  for (let i = 0; i < 6; i++) {
    await page.mouse.click(box.x + box.width * (0.4 + 0.04 * i), box.y + box.height * (0.6 - 0.04 * i));
    await page.waitForFunction((n) => new RegExp(`\\(${n} so far\\)`).test(document.querySelector('[data-testid=gan-settings]')?.textContent ?? ''), i + 1, { timeout: 30_000 });
  }
  await page.waitForFunction(() => !document.querySelector('[data-testid=train-gan-ring]')?.disabled, null, { timeout: 60_000 });
  await page.click('[data-testid=train-gan-ring]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-gan-ring]')?.value) >= 20, null, { timeout: 120_000 });
  await page.click('[data-testid=stop-gan-ring]');
  // Off the ring there are no modes to count; D's accuracy is still read out.
  await page.waitForFunction(() => /D calls/.test(document.querySelector('[data-testid=gan-coverage]')?.textContent ?? '')
    && !/modes covered/.test(document.querySelector('[data-testid=gan-coverage]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 6: the DCGAN draws 16 people, shows them over training, walks between two, is read against P_data, and trains here', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/gans/people');
  const grid = '[data-testid=gan-people] img';
  await page.waitForFunction((g) => document.querySelectorAll(g).length === 16, grid, { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=gan-people-status]'), /16 samples/);
  const first = await page.getAttribute(grid, 'src');
  await page.click('[data-testid=gan-people-again]');
  await page.waitForFunction(([g, f]) => document.querySelector(g)?.getAttribute('src') !== f, [grid, first], { timeout: 60_000 });
  await page.click('[data-testid=train-avatar-gan]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-avatar-gan]')?.value) >= 2, null, { timeout: 120_000 });
  await page.click('[data-testid=stop-avatar-gan]');
  await page.waitForSelector('[data-testid=loss-curve-avatar-gan] svg');
  const l = new LessonPage(page);
  // The same eight people at three checkpoints of the shipped run.
  await l.goto('gans', 'checkpoints');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=gan-checkpoints] img').length === 24, null, { timeout: 60_000 });
  assert.match(await page.textContent('[data-testid=gan-checkpoints]'), /after 500 steps.*after 2000 steps.*after 6000 steps/s);
  await l.goto('gans', 'walk');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=gan-walk] img').length === 9, null, { timeout: 60_000 });
  await l.goto('gans', 'truth');
  await page.waitForSelector('[data-testid=gan-truth-tv]', { timeout: 60_000 });
  const tv = Number(await page.textContent('[data-testid=gan-truth-tv]'));
  assert.ok(tv >= 0 && tv <= 1, `mean distance ${tv}`);
  assert.ok(Number(await page.textContent('[data-testid=gan-truth-distinct]')) >= 1);
  // The speckle, measured: the DCGAN's pictures change more from pixel to pixel than P_data's.
  const change = Number(await page.textContent('[data-testid=gan-truth-pixel-change]'));
  const truth = Number(await page.textContent('[data-testid=gan-truth-table] tr:last-child td:last-child'));
  assert.ok(change > truth && truth > 0, `pixel change ${change} against P_data's ${truth}`);
  assert.deepEqual(errors, []);
  await page.close();
});
