import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Where the window's page comes from. The Vite build may be absent (dev checkout, or the UI not built yet): the
// window then shows a small built-in page instead of Chromium's blank error screen.

export function rendererIndex(appPath: string): string {
  return join(appPath, 'dist-renderer', 'index.html');
}

export function rendererUrl(appPath: string): string {
  return pathToFileURL(rendererIndex(appPath)).href;
}

export function hasRenderer(appPath: string): boolean {
  return existsSync(rendererIndex(appPath));
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function placeholderUrl(expectedPath: string): string {
  const html = `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>CCProxy Desktop</title>
<style>body{font:14px system-ui,sans-serif;margin:3em;color:#333}code{background:#eee;padding:2px 4px}</style>
</head><body><h1>CCProxy Desktop</h1>
<p>The proxy runs from the tray menu. The window's UI is not built yet: expected <code>${escapeHtml(expectedPath)}</code>.</p>
</body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
