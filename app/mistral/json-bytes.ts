// The request body sent to Mistral, as bytes.
//
// Claude Code's prompts hold a few non-ASCII characters (…, →, —, emoji) inside ~50 KB of text. One of them makes
// V8 build the whole JSON text as a two-byte string, and UTF-8-encoding that string was the slowest step of the hop
// (~100 µs for 50 KB on the benchmark machine). Written with each non-ASCII UTF-16 unit as its `\uXXXX` escape, the
// text is ASCII and its bytes are a straight copy (`latin1`). It is the same JSON value: JSON.stringify already
// escapes lone surrogates, so what is left are whole characters, and a pair's two escapes decode to the same one.
//
// The escapes are written straight into the Buffer between latin1 copies of the ASCII stretches, rather than by
// `replace` into a second JSON text first: that text was ~100 KB of V8 heap per 50 KB request (the largest single
// allocation of the hop), which at 32 concurrent requests meant more frequent scavenges and more of the in-flight
// requests promoted to the old generation.

/** Runs of non-ASCII UTF-16 units: one match per run, so text in a non-Latin script is not one match per character. */
const NON_ASCII_RUN = /[\u0080-\uffff]+/g;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Bytes in `\uXXXX`. */
const ESCAPE_LEN = 6;

/** `value` as JSON text in ASCII bytes. */
export function jsonBytes(value: unknown): Buffer {
  const json = JSON.stringify(value);
  // Where the runs are (start, end pairs), and so how long the ASCII text will be.
  const runs: number[] = [];
  let extra = 0;
  NON_ASCII_RUN.lastIndex = 0;
  for (let m = NON_ASCII_RUN.exec(json); m !== null; m = NON_ASCII_RUN.exec(json)) {
    runs.push(m.index, NON_ASCII_RUN.lastIndex);
    extra += (NON_ASCII_RUN.lastIndex - m.index) * (ESCAPE_LEN - 1);
  }
  if (runs.length === 0) return Buffer.from(json, 'latin1');
  const out = Buffer.allocUnsafe(json.length + extra);
  let pos = 0;
  let from = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs[r];
    const end = runs[r + 1];
    if (start > from) pos += out.write(json.slice(from, start), pos, 'latin1');
    for (let i = start; i < end; i++) {
      const unit = json.charCodeAt(i);
      out[pos] = 0x5c; // \
      out[pos + 1] = 0x75; // u
      out[pos + 2] = HEX[unit >> 12];
      out[pos + 3] = HEX[(unit >> 8) & 15];
      out[pos + 4] = HEX[(unit >> 4) & 15];
      out[pos + 5] = HEX[unit & 15];
      pos += ESCAPE_LEN;
    }
    from = end;
  }
  if (from < json.length) out.write(json.slice(from), pos, 'latin1');
  return out;
}
