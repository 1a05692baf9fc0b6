import { randomFillSync } from 'node:crypto';

// Request and message ids are drawn from a pool of CSPRNG bytes refilled 4 KB at a time: one randomBytes() call per
// id cost ~15 µs of CPU on the request path (measured, Node 24), a slice of the pool costs well under 1 µs. Node's
// own crypto.randomUUID() pools the same way.

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
