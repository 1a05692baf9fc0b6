import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRenderer, placeholderUrl, rendererIndex, rendererUrl } from '../../main/renderer-location.js';

describe('renderer location', () => {
  it('points at dist-renderer/index.html as a file:// URL and notices when it is missing', () => {
    const appPath = mkdtempSync(join(tmpdir(), 'ccproxy app '));
    try {
      expect(rendererIndex(appPath)).toBe(join(appPath, 'dist-renderer', 'index.html'));
      expect(rendererUrl(appPath)).toMatch(/^file:\/\/\/.*ccproxy%20app%20.*\/dist-renderer\/index\.html$/);
      expect(hasRenderer(appPath)).toBe(false);
      mkdirSync(join(appPath, 'dist-renderer'));
      writeFileSync(rendererIndex(appPath), '<!doctype html>');
      expect(hasRenderer(appPath)).toBe(true);
    } finally {
      rmSync(appPath, { recursive: true, force: true });
    }
  });

  it('the placeholder page is a data: URL with a strict CSP and an escaped path', () => {
    const url = placeholderUrl('/x/<b>&"evil"/index.html');
    expect(url.startsWith('data:text/html;charset=utf-8,')).toBe(true);
    const html = decodeURIComponent(url.slice(url.indexOf(',') + 1));
    expect(html).toContain("default-src 'none'");
    expect(html).not.toContain('<b>');
    expect(html).toContain('&#60;b&#62;&#38;&#34;evil&#34;');
  });
});
