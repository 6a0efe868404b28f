// Lessons 4 and 5 as a reader uses them: shipped weights load, pads decode where the
// reader points, training shows progress and a loss curve, stops and resumes, keeps going
// while the reader is in another lesson, and the anomaly ranking puts the odd ones first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, LessonPage, DiffusionImages, watchLongTasks, LONG_TASK_BOUND_MS } from './lib.mjs';
import { readFileSync } from 'node:fs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const shipped = (page, name) => page.waitForFunction(
  (n) => document.querySelector(`[data-testid=weights-${n}]`)?.textContent.includes('Using shipped weights'),
  name, { timeout: 60_000 });

/** Presses at a fraction of a pad and returns the decoded image's source. */
async function pointAt(page, pad, fx, fy) {
  await page.locator(`[data-testid=${pad}]`).scrollIntoViewIfNeeded();
  const box = await page.locator(`[data-testid=${pad}]`).boundingBox();
  await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
  await page.waitForSelector(`[data-testid=${pad}-image] img`);
  return page.getAttribute(`[data-testid=${pad}-image] img`, 'src');
}

const stepOf = async (page, name) => Number(await page.getAttribute(`[data-testid=progress-${name}]`, 'value'));

test('lesson 4: PCA and autoencoder pads decode a jar wherever the reader points', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/pca');
  const a = await pointAt(page, 'pca-pad', 0.3, 0.3);
  const b = await pointAt(page, 'pca-pad', 0.7, 0.7);
  assert.notEqual(a, b);
  assert.match(await page.textContent('[data-testid=pca-explained]'), /explain [\d.]+ % and [\d.]+ %/);
  const l = new LessonPage(page);
  await l.goto('latent-space', 'autoencoder');
  await shipped(page, 'jar-ae');
  const c = await pointAt(page, 'ae-pad', 0.3, 0.5);
  // Dragging moves the code and changes the jar.
  const box = await page.locator('[data-testid=ae-pad]').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4, { steps: 5 });
  await page.mouse.up();
  const d = await page.getAttribute('[data-testid=ae-pad-image] img', 'src');
  assert.notEqual(c, d);
  assert.match(await page.textContent('[data-testid=ae-pad-readout]'), /decoded in/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 4: weights saved, exported for PyTorch, a wrong file refused with nothing lost, the export opened again', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/autoencoder');
  await shipped(page, 'jar-ae');
  await pointAt(page, 'ae-pad', 0.4, 0.6);
  // The codes of the jars, as the map draws them: the same weights draw the same map.
  const map = () => page.innerHTML('[data-testid=ae-pad] svg');
  const before = await map();
  await page.click('[data-testid=weights-io-jar-ae] summary');
  const message = () => page.textContent('[data-testid=weights-io-message-jar-ae]');
  // As they are, in Genlab's layout.
  let dl = page.waitForEvent('download');
  await page.click('[data-testid=save-weights-jar-ae]');
  const saved = readFileSync(await (await dl).path());
  assert.equal((await dl).suggestedFilename(), 'jar-ae.safetensors');
  const header = (b) => JSON.parse(b.subarray(8, 8 + Number(b.readBigUInt64LE(0))).toString());
  assert.deepEqual(header(saved)['dec.2.weight'].shape, [128, 1024]);
  // For PyTorch: Linear weights [out, in], and the Python that loads them.
  dl = page.waitForEvent('download');
  await page.click('[data-testid=export-torch-jar-ae]');
  const torchFile = await (await dl).path();
  assert.equal((await dl).suggestedFilename(), 'jar-ae-pytorch.safetensors');
  const exported = readFileSync(torchFile);
  assert.deepEqual(header(exported)['dec.2.weight'].shape, [1024, 128]);
  assert.equal(header(exported).__metadata__.layout, 'pytorch');
  const code = await page.textContent('[data-testid=torch-code-jar-ae]');
  assert.match(code, /"2": nn\.Linear\(128, 1024\)/);
  assert.match(code, /load_state_dict\(load_file\("jar-ae-pytorch\.safetensors"\), strict=True\)/);
  // Another model's file: refused, naming the tensor, and the jar under the pointer is unchanged.
  await page.setInputFiles('[data-testid=import-weights-jar-ae]', 'www/weights/avatar-vae.safetensors');
  await page.waitForFunction(() => /does not fit this model: .*tensor '.*Nothing changed/.test(document.querySelector('[data-testid=weights-io-message-jar-ae]')?.textContent ?? ''));
  assert.equal(await map(), before);
  assert.match(await page.textContent('[data-testid=weights-jar-ae]'), /shipped weights/);
  // The PyTorch export opens again, as the same weights.
  await page.setInputFiles('[data-testid=import-weights-jar-ae]', torchFile);
  await page.waitForFunction(() => /now uses the weights of your file/.test(document.querySelector('[data-testid=weights-io-message-jar-ae]')?.textContent ?? ''));
  assert.match(await page.textContent('[data-testid=weights-jar-ae]'), /weights from your file/);
  assert.equal(await map(), before);
  assert.ok(await pointAt(page, 'ae-pad', 0.6, 0.4));
  assert.ok(/Opened/.test(await message()));
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 5: train the VAE here, see progress and both loss terms, stop and resume', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/autoencoders-vaes/train');
  await shipped(page, 'avatar-vae');
  const tasks = await watchLongTasks(page);
  await page.click('[data-testid=train-avatar-vae]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-avatar-vae]')?.value) >= 3, null, { timeout: 60_000 });
  const curve = page.locator('[data-testid=loss-curve-avatar-vae] svg');
  await curve.waitFor();
  const legend = await curve.textContent();
  assert.ok(legend.includes('reconstruction') && legend.includes('KL'), legend);
  const path1 = await curve.innerHTML();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-avatar-vae]')?.value) >= 6, null, { timeout: 60_000 });
  assert.notEqual(await page.locator('[data-testid=loss-curve-avatar-vae] svg').innerHTML(), path1, 'the curve moves');
  await page.click('[data-testid=stop-avatar-vae]');
  await page.waitForFunction(() => document.querySelector('[data-testid=progress-text-avatar-vae]')?.textContent.includes('stopped'));
  const stopped = await stepOf(page, 'avatar-vae');
  await page.waitForTimeout(1500);
  assert.equal(await stepOf(page, 'avatar-vae'), stopped, 'nothing runs after stop');
  assert.match(await page.textContent('[data-testid=weights-avatar-vae]'), /trained here \(step \d+\)/);
  await page.click('[data-testid=resume-avatar-vae]');
  await page.waitForFunction((s) => Number(document.querySelector('[data-testid=progress-avatar-vae]')?.value) > s, stopped, { timeout: 60_000 });
  await page.click('[data-testid=stop-avatar-vae]');
  // The VAE trained in the engine's worker: the page never stalled meanwhile.
  const long = await tasks.durations();
  assert.ok(Math.max(0, ...long) < LONG_TASK_BOUND_MS, `main-thread tasks while training: ${long.join(', ')} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('training goes on while the reader is in another lesson', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/latent-space/autoencoder');
  await shipped(page, 'jar-ae');
  await page.click('[data-testid=train-jar-ae]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=progress-jar-ae]')?.value) >= 2, null, { timeout: 60_000 });
  const before = await stepOf(page, 'jar-ae');
  const l = new LessonPage(page);
  await l.goto('generative-vs-discriminative');
  await page.waitForTimeout(2000);
  await l.goto('latent-space', 'autoencoder');
  await page.waitForSelector('[data-testid=progress-jar-ae]');
  const after = await stepOf(page, 'jar-ae');
  assert.ok(after > before + 5, `step ${before} → ${after}`);
  await page.click('[data-testid=stop-jar-ae]');
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 5: latent pad, prior samples, anomalies first, features against P_data', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/autoencoders-vaes/latent-map');
  // The map fills once the shipped VAE has been fetched and has encoded 400 people.
  await page.waitForFunction(() => (document.querySelector('[data-testid=vae-pad]')?.innerHTML.match(/<circle/g) ?? []).length >= 400, null, { timeout: 60_000 });
  const a = await pointAt(page, 'vae-pad', 0.4, 0.4);
  const b = await pointAt(page, 'vae-pad', 0.6, 0.7);
  assert.notEqual(a, b, 'the decoded person changes');
  const l = new LessonPage(page);
  await l.goto('autoencoders-vaes', 'holes');
  // Both models' 12 samples arrive from the engine, each grid when it is ready.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=prior-samples] img').length === 24, null, { timeout: 60_000 });
  const first = await page.getAttribute('[data-testid=prior-samples] img', 'src');
  await page.click('[data-testid=sample-people]');
  await page.waitForFunction((s) => document.querySelector('[data-testid=prior-samples] img')?.getAttribute('src') !== s, first);
  await l.goto('autoencoders-vaes', 'anomaly');
  await page.waitForSelector('[data-testid=anomaly-list] li');
  const ood = await page.locator('[data-testid=anomaly-list] li').evaluateAll((els) => els.map((e) => e.dataset.ood));
  assert.equal(ood.length, 16);
  assert.deepEqual(ood.slice(0, 4), ['true', 'true', 'true', 'true'], ood.join(','));
  await l.goto('autoencoders-vaes', 'features');
  await page.waitForSelector('[data-testid=feature-table] tbody tr', { timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=feature-table] tbody tr').count(), 5);
  assert.match(await page.textContent('[data-testid=feature-table]'), /[\d.]+ %/);
  await l.goto('autoencoders-vaes', 'beta');
  await page.waitForSelector('[data-testid=beta-stats]');
  const s1 = await page.textContent('[data-testid=beta-stats]');
  await page.locator('[data-testid=beta-pick]').fill('2');
  await page.waitForFunction((s) => document.querySelector('[data-testid=beta-stats]')?.textContent !== s, s1, { timeout: 30_000 });
  assert.match(await page.textContent('[data-testid=beta-stats]'), /β = 4/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 10: the t slider dissolves the data; the reverse process runs, pauses and ends near the data', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/forward');
  const r0 = await page.textContent('[data-testid=forward-readout]');
  assert.match(r0, /ᾱ_t = 1/);
  const p0 = await page.locator('[data-testid=forward-points]').innerHTML();
  await page.locator('[data-testid=forward-t]').fill('60');
  await page.waitForFunction((r) => document.querySelector('[data-testid=forward-readout]')?.textContent !== r, r0);
  assert.notEqual(await page.locator('[data-testid=forward-points]').innerHTML(), p0);
  const l = new LessonPage(page);
  await l.goto('diffusion', 'reverse');
  await page.waitForFunction(() => document.querySelector('[data-testid=weights-ddpm-swiss-roll]')?.textContent.includes('shipped'), null, { timeout: 60_000 });
  await page.click('[data-testid=reverse-run]');
  await page.waitForFunction(() => /step [1-9]/.test(document.querySelector('[data-testid=reverse-readout]')?.textContent ?? ''));
  await page.click('[data-testid=reverse-pause]');
  const paused = await page.textContent('[data-testid=reverse-readout]');
  await page.waitForTimeout(500);
  assert.equal(await page.textContent('[data-testid=reverse-readout]'), paused, 'paused means paused');
  await page.click('[data-testid=reverse-step]');
  // The step is computed in the engine: its answer arrives a moment later.
  await page.waitForFunction((r) => document.querySelector('[data-testid=reverse-readout]')?.textContent !== r, paused);
  const stepped = await page.textContent('[data-testid=reverse-readout]');
  // Resume, then start over while the resumed run is still going: the new run must reach
  // the end (it once stopped after one step, ended by the resumed loop).
  await page.click('[data-testid=reverse-resume]');
  await page.waitForFunction((r) => document.querySelector('[data-testid=reverse-readout]')?.textContent !== r, stepped);
  await page.click('[data-testid=reverse-run]');
  await page.waitForFunction(() => document.querySelector('[data-testid=reverse-readout]')?.textContent.startsWith('Done'), null, { timeout: 60_000 });
  const done = (await page.textContent('[data-testid=reverse-readout]')).replaceAll('−', '-');
  const m = done.match(/data: ([\d.e-]+) \(plain Gaussian noise: ([\d.e-]+)\)/);
  assert.ok(m && Number(m[1]) < 0.5 * Number(m[2]), await page.textContent('[data-testid=reverse-readout]'));
  // The reader's own data: three points drawn on the particles' plane, and a run of the
  // swiss roll's network trained on them here, stopped once it has taken steps.
  await page.click('[data-testid=diffusion-draw]');
  await page.waitForSelector('[data-testid=diffusion-data-note]');
  await page.locator('[data-testid=reverse-xt]').scrollIntoViewIfNeeded();
  const plane = await page.locator('[data-testid=reverse-xt] svg').boundingBox();
  for (const [fx, fy] of [[0.45, 0.4], [0.6, 0.45], [0.5, 0.6]]) {
    await page.mouse.click(plane.x + fx * plane.width, plane.y + fy * plane.height);
  }
  await page.waitForFunction(() => /\(3 so far\)/.test(document.querySelector('[data-testid=lesson]')?.textContent ?? ''));
  await page.click('[data-testid=train-ddpm-swiss-roll]');
  await page.waitForFunction(() => /^step [1-9]/.test(document.querySelector('[data-testid=progress-text-ddpm-swiss-roll]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.click('[data-testid=stop-ddpm-swiss-roll]');
  assert.equal(await page.locator('[data-testid=train-panel-ddpm-swiss-roll] .error').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('lesson 10: generate 16 people from a prompt on the CPU, read their features, cancel a long run', async () => {
  const { page, errors } = await open(browser.context, '#/lesson/diffusion/images');
  const l10 = new DiffusionImages(page);
  await l10.ready();
  await l10.promptGlassesRedHair(10); // DDIM with the fewest steps
  const tasks = await watchLongTasks(page);
  const status = await l10.generate();
  const long = await tasks.durations();
  assert.ok(Math.max(0, ...long) < LONG_TASK_BOUND_MS, `main-thread tasks while sampling: ${long.join(', ')} ms`);
  assert.equal(await page.locator('[data-testid=samples] img').count(), 16);
  // The shipped U-Net follows the prompt (natively all 16 carry both; P_data gives a few).
  const { glasses, red, both, readout } = await l10.promptCounts();
  assert.ok(glasses >= 12 && red >= 12 && both >= 10, readout);
  assert.match(status, /16 samples, 10 steps in [\d.]+ m?s on the CPU/);
  // A long DDPM run on the CPU is cancelled part-way; the page stays usable.
  assert.equal(await l10.cancelLongRun(), true);
  assert.deepEqual(errors, []);
  await page.close();
});
