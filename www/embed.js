// Genlab's embed script: <genlab-step lesson="…" step="…"></genlab-step> places one step of
// a lesson in an iframe that takes the height the step asks for (its "genlab-height"
// messages, accepted only from Genlab's own origin). The step's frame ends with a link
// back to the whole lesson.
// Options: theme="dark" (or "light"), prose="hidden" (the widget alone).
// Load it once per page: <script src="https://<site>/www/embed.js" defer></script>
(() => {
  const script = document.currentScript;
  const site = new URL('../', script ? script.src : location.href);
  const frames = new Set();

  class GenlabStep extends HTMLElement {
    connectedCallback() {
      if (this.frame) { frames.add(this.frame); return; }
      const lesson = encodeURIComponent(this.getAttribute('lesson') || '');
      const step = encodeURIComponent(this.getAttribute('step') || '');
      const options = new URLSearchParams();
      const theme = this.getAttribute('theme');
      if (theme === 'dark' || theme === 'light') options.set('theme', theme);
      if (this.getAttribute('prose') === 'hidden') options.set('prose', 'hidden');
      const query = options.toString() ? `?${options}` : '';
      const frame = document.createElement('iframe');
      frame.src = new URL(`#/embed/${lesson}/${step}${query}`, site).href;
      frame.title = `Genlab: ${this.getAttribute('lesson')}, ${this.getAttribute('step')}`;
      frame.loading = 'lazy';
      frame.height = '600';
      frame.style.cssText = 'display:block;width:100%;border:0';
      this.frame = frame;
      frames.add(frame);
      this.append(frame);
    }

    disconnectedCallback() {
      if (this.frame) frames.delete(this.frame);
    }
  }

  addEventListener('message', (e) => {
    if (e.origin !== site.origin || !e.data || e.data.type !== 'genlab-height') return;
    const height = Number(e.data.height);
    if (!Number.isFinite(height) || height <= 0) return;
    for (const f of frames) {
      if (f.contentWindow === e.source) f.style.height = `${Math.ceil(height)}px`;
    }
  });

  if (!customElements.get('genlab-step')) customElements.define('genlab-step', GenlabStep);
})();
