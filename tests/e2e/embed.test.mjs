// Embedding as a blogger does it: a page on another origin loads `www/embed.js` once and
// places <genlab-step> elements; each frame takes the height its step reports (messages
// from other origins are ignored), links back to the whole lesson, and follows the theme
// and prose options; bad options fall back quietly; the guide lists every step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { launch, open, BASE, course, accessibility } from './lib.mjs';

let browser;
let server;
let blog;
before(async () => {
  browser = await launch();
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><body><h1>A post about naive Bayes</h1>
<script src="${BASE}www/embed.js" defer></script>
<genlab-step id="plain" lesson="fashion-outfits" step="generate"></genlab-step>
<genlab-step id="bare" lesson="fashion-outfits" step="generate" theme="dark" prose="hidden"></genlab-step>
</body></html>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  blog = `http://127.0.0.1:${server.address().port}/`;
});
after(async () => {
  await browser.close();
  server.close();
});

/** The height the frame inside `#id` was given, in px (NaN until it has one). */
const frameHeight = (page, id) => page.$eval(`#${id} iframe`, (f) => parseFloat(f.style.height));

test('a step embedded from another origin by one script tag sizes itself, links back and takes its options', async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(blog);
  const plain = page.frameLocator('#plain iframe');
  await plain.locator('[data-testid=embed][data-step=generate]').waitFor({ timeout: 60_000 });
  // The frame's height follows its content, as its height messages report it.
  await page.waitForFunction(async () => {
    const f = document.querySelector('#plain iframe');
    return f && f.style.height !== '';
  }, null, { timeout: 30_000 });
  const inner = await plain.locator('body').evaluate((b) => b.scrollHeight);
  await page.waitForFunction((h) => Math.abs(parseFloat(document.querySelector('#plain iframe').style.height) - h) <= 2, inner, { timeout: 30_000 });
  // A message from this page's own origin is not Genlab's, and changes nothing.
  const before = await frameHeight(page, 'plain');
  await page.evaluate(() => window.postMessage({ type: 'genlab-height', height: 40 }, '*'));
  await page.waitForTimeout(300);
  assert.equal(await frameHeight(page, 'plain'), before);
  assert.equal(await plain.locator('.embed-footer a').getAttribute('href'), `${BASE}#/lesson/fashion-outfits/generate`);
  assert.ok(await plain.locator('.prose').count() > 0);
  // Options: dark colours, the widget alone.
  const bare = page.frameLocator('#bare iframe');
  await bare.locator('[data-testid=embed]').waitFor({ timeout: 60_000 });
  assert.equal(await bare.locator('html.theme-dark').count(), 1);
  assert.equal(await bare.locator('.prose').count(), 0);
  assert.equal(await bare.locator('.widget').count(), 1);
  assert.deepEqual(errors, []);
  await page.close();

  // A value the embed does not know leaves the default, with a quiet note.
  const { page: p2, errors: e2 } = await open(browser.context, '#/embed/fashion-outfits/generate?theme=blue');
  await p2.waitForSelector('[data-testid=embed-note]');
  assert.match(await p2.textContent('[data-testid=embed-note]'), /theme=blue/);
  assert.equal(await p2.locator('html.theme-dark, html.theme-light').count(), 0);
  assert.deepEqual(e2, []);
  await p2.close();

  // Dark colours pass the same accessibility rules (contrast among them) as light ones.
  const { page: p3, errors: e3 } = await open(browser.context, '#/embed/fashion-outfits/laplace?theme=dark');
  await p3.waitForSelector('[data-testid=laplace-table]');
  assert.deepEqual(await accessibility(p3, 'dark embed'), []);
  assert.deepEqual(e3, []);
  await p3.close();
});

test('the guide lists every step with its snippets, and previews one', async () => {
  const { page, errors } = await open(browser.context, '#/');
  const steps = (await course(page)).reduce((n, l) => n + l.steps, 0);
  await page.evaluate(() => { location.hash = '#/embedding'; });
  await page.waitForSelector('[data-testid=embed-guide]');
  assert.equal(await page.locator('[data-testid=guide-step]').count(), steps);
  assert.deepEqual(await accessibility(page, 'embed guide'), []);
  const first = page.locator('[data-testid=guide-step]').first();
  assert.match(await first.locator('[data-testid=guide-element]').inputValue(), /<script src="[^"]+\/www\/embed\.js" defer><\/script>\n<genlab-step lesson="[a-z0-9-]+" step="[a-z0-9-]+"><\/genlab-step>/);
  await first.locator('[data-testid=guide-preview]').click();
  await page.frameLocator('iframe.preview').locator('[data-testid=embed]').waitFor({ timeout: 60_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
