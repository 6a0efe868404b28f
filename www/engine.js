// The engine's dedicated worker: the same wasm as the page, started with the engine's
// entry point instead of the page's. If it cannot start, it says why in one message.
import init, { genlab_engine_main } from '../pkg/genlab_engine.js';

init({ module_or_path: new URL('../pkg/genlab_engine_bg.wasm', import.meta.url) })
  .then(() => genlab_engine_main())
  .catch((e) => postMessage({ failed: String(e && e.message ? e.message : e) }));
