import type { DiffLine } from '../contract/claude.js';

// A line diff for the preview (settings files are small: an LCS table is fine). Unchanged runs longer than
// 2 × CONTEXT lines are cut to their ends, as in a unified diff.

const CONTEXT = 3;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i++] });
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: '-', text: a[i++] });
    else out.push({ op: '+', text: b[j++] });
  }
  return trimContext(out);
}

function trimContext(lines: DiffLine[]): DiffLine[] {
  const near = lines.map((_, k) => lines.slice(Math.max(0, k - CONTEXT), k + CONTEXT + 1).some((l) => l.op !== ' '));
  const out: DiffLine[] = [];
  let skipped = 0;
  lines.forEach((line, k) => {
    if (near[k]) {
      if (skipped) out.push({ op: ' ', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
      skipped = 0;
      out.push(line);
    } else skipped++;
  });
  if (skipped) out.push({ op: ' ', text: `… ${skipped} unchanged line${skipped === 1 ? '' : 's'}` });
  return out;
}
