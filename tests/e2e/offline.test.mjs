// Offline, as a reader on a train: after one visit with the network (a lesson fetches its
// weights while the service worker installs and takes over), the network goes away; every
// step of every lesson still opens with its widgets, and the RBM, whose weights that visit
// used, still runs its chains in the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE, course } from './lib.mjs';

test('after one visit every lesson opens and runs offline', async () => {
  const { context, close } = await launch({ serviceWorkers: 'allow' });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // One visit: the RBM's weights are fetched, the worker installs and takes over.
    await page.goto(BASE + '#/lesson/energy/gibbs');
    await page.waitForFunction(() => !document.querySelector('[data-testid=rbm-gibbs-play]')?.disabled, null, { timeout: 60_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
    await page.waitForFunction(async () => {
      for (const k of await caches.keys()) {
        const c = await caches.open(k);
        if ((await c.keys()).some((r) => r.url.endsWith('/www/weights/rbm-avatars.safetensors'))) return true;
      }
      return false;
    }, null, { timeout: 30_000, polling: 250 });
    await page.evaluate(() => { location.hash = '#/'; });
    await page.waitForSelector('[data-testid=lesson-card]');
    const lessons = await course(page);
    assert.ok(lessons.length >= 10, `${lessons.length} lessons`);

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('[data-testid=lesson-card]', { timeout: 30_000 });
    // Every step of every lesson, its widgets' chunks included.
    for (const { id, steps } of lessons) {
      for (let s = 1; s <= steps; s++) {
        await page.evaluate((h) => { location.hash = h; }, `#/lesson/${id}/${s}`);
        await page.waitForSelector(`[data-testid=lesson][data-lesson="${id}"]`, { timeout: 30_000 });
        await page.waitForFunction(() => [...document.querySelectorAll('.widget')].every((w) => w.childElementCount > 0), null, { timeout: 30_000 });
        assert.equal(await page.locator('[data-testid=widget-failed]').count(), 0, `${id} step ${s}`);
      }
    }
    await page.evaluate(() => { location.hash = '#/lesson/energy/gibbs'; });
    await page.waitForFunction(() => !document.querySelector('[data-testid=rbm-gibbs-play]')?.disabled, null, { timeout: 60_000 });
    await page.click('[data-testid=rbm-gibbs-play]');
    await page.waitForFunction(() => /^sweep [1-9]\d/.test(document.querySelector('[data-testid=rbm-gibbs-readout]')?.textContent ?? ''), null, { timeout: 60_000 });
    assert.equal(await page.locator('[data-testid=engine-failed]').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.setOffline(false);
    await close();
  }
});
