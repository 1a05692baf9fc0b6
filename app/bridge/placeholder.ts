/** Served at /ui when the renderer has not been built: enough to see the proxy is alive and the bridge works. */
export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CCProxy</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#222}pre{background:#f4f4f4;padding:1rem;border-radius:6px}</style>
</head><body><h1>CCProxy</h1>
<p>The full window has not been built (<code>dist-renderer/</code> is missing). Live status from the bridge:</p>
<pre id="status">loading…</pre><h2>Recent requests</h2><pre id="log"></pre>
<script>
const call = (ch, req) => fetch('/ui/api/' + ch, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req ?? null) }).then(r => r.json());
call('proxy.status').then(r => { document.getElementById('status').textContent = JSON.stringify(r.result, null, 2); });
const log = document.getElementById('log');
new EventSource('/ui/events').addEventListener('request.finished', (e) => {
  const d = JSON.parse(e.data);
  log.textContent = [d.status, d.clientModel, '→', d.mistralModel, d.latencyMs + 'ms', d.outputTokens + ' tok'].join(' ') + '\\n' + log.textContent;
});
</script></body></html>`;
