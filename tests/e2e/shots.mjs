// `cargo xtask shots [--webgpu] [--lesson ID]`: a PNG of every step of every lesson at
// 1280 px and 375 px wide, taken once its widgets have settled, and an index page that
// shows them side by side. Tests check that plots exist; looking shows they are right.
//
// Usage: node tests/e2e/shots.mjs OUT_DIR [--webgpu] [--lesson ID]   (GENLAB_URL: the site)
import { launch, BASE, course } from './lib.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const out = args[0];
const webgpu = args.includes('--webgpu');
const only = args.includes('--lesson') ? args[args.indexOf('--lesson') + 1] : null;
const WIDTHS = [1280, 375];
mkdirSync(out, { recursive: true });

/** Resolves once the page has made no network request for 500 ms and its DOM has not
 * changed for 1 s (weights loaded, first samples drawn), or after 45 s. */
async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.evaluate(() => new Promise((resolve) => {
    let timer = setTimeout(done, 1000);
    const obs = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 1000); });
    const cap = setTimeout(done, 45_000);
    function done() { obs.disconnect(); clearTimeout(cap); resolve(); }
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }));
}

const { context, close } = await launch({ webgpu });
const page = await context.newPage();
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto(BASE + '#/');
await page.waitForSelector('[data-testid=lesson-card]', { timeout: 60_000 });
const path = await page.textContent('[data-testid=compute-path]').catch(() => '?');
const lessons = (await course(page)).filter((l) => !only || l.id === only);
if (lessons.length === 0) {
  console.error(`shots: no lesson ${only}`);
  process.exit(2);
}

const rows = [];
for (const l of lessons) {
  for (let s = 1; s <= l.steps; s++) {
    const row = { lesson: l.id, step: s, files: [] };
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate((h) => { location.hash = h; }, `#/lesson/${l.id}/${s}`);
      await page.waitForSelector(`[data-testid=lesson][data-lesson="${l.id}"]`);
      await settle(page);
      row.title = await page.textContent('[data-testid=step-title]');
      const file = `${l.id}-${String(s).padStart(2, '0')}-${width}.png`;
      await page.screenshot({ path: join(out, file), fullPage: true });
      row.files.push(file);
      console.log(`shots: ${file}`);
    }
    rows.push(row);
  }
}
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
writeFileSync(join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><title>Genlab: every step</title>
<style>body{font:14px system-ui;margin:1rem}figure{display:inline-block;vertical-align:top;margin:0 1rem 2rem 0}
img{border:1px solid #ccc;max-height:900px}h2{margin-top:2rem}</style>
<h1>Every step (${esc(path)} path, ${new Date().toISOString().slice(0, 10)})</h1>
${rows.map((r) => `<h2>${esc(r.lesson)} · ${r.step}. ${esc(r.title)}</h2>
${r.files.map((f) => `<figure><a href="${f}"><img src="${f}" alt="${esc(r.title)}" loading="lazy"></a><figcaption>${f}</figcaption></figure>`).join('')}`).join('\n')}
`);
await close();
if (errors.length) {
  console.error(`shots: console errors on the way:\n${errors.join('\n')}`);
}
console.log(`shots: ${rows.length} steps × ${WIDTHS.length} widths in ${out}/index.html`);
