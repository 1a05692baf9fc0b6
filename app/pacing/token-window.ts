// The limiter's sliding window of what was sent: one (time, tokens) entry per admitted request, oldest first.
//
// Every request adds an entry and every admission looks at the window, so each operation must cost the same at
// 1 request a minute and at thousands a second. An array of entry objects did not: `shift()` on a large array moves
// the whole array (172 µs per request once a minute at 4,000 requests/s was in it; 23 µs at 300/s), and each entry
// object outlived the young generation, so a busy minute filled the old one. Here entries live in a ring of typed
// arrays indexed by a running sequence number (a ticket keeps its number to correct its tokens later) and the
// total is kept as entries come and go.

const MIN_CAPACITY = 64;

export class TokenWindow {
  private at = new Float64Array(MIN_CAPACITY);
  private tokens = new Float64Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  /** Sequence number of the oldest entry still in the window. */
  private head = 0;
  /** Sequence number the next entry gets. */
  private tail = 0;
  private sum = 0;

  constructor(private readonly spanMs: number) {}

  get size(): number {
    return this.tail - this.head;
  }

  /** Adds an entry; returns its sequence number (for `set`). */
  add(at: number, tokens: number): number {
    if (this.size === this.at.length) this.resize(this.at.length * 2);
    const seq = this.tail++;
    this.at[seq & this.mask] = at;
    this.tokens[seq & this.mask] = tokens;
    this.sum += tokens;
    return seq;
  }

  /** Replaces an entry's tokens, if it is still in the window. */
  set(seq: number, tokens: number): void {
    if (seq < this.head || seq >= this.tail) return;
    const i = seq & this.mask;
    this.sum += tokens - this.tokens[i];
    this.tokens[i] = tokens;
  }

  /** Drops the entries that are `spanMs` or more older than `now`. */
  expire(now: number): void {
    const cutoff = now - this.spanMs;
    while (this.head < this.tail && this.at[this.head & this.mask] <= cutoff) {
      this.sum -= this.tokens[this.head & this.mask];
      this.head++;
    }
    if (this.head === this.tail) this.sum = 0;
    // Give back what a burst made it grow to (down to twice what is left, so the next burst does not regrow at once).
    if (this.at.length > MIN_CAPACITY && this.size * 8 <= this.at.length) {
      let capacity = this.at.length;
      while (capacity / 2 >= Math.max(MIN_CAPACITY, this.size * 2)) capacity /= 2;
      this.resize(capacity);
    }
  }

  /** Tokens in the window as of `now`. */
  total(now: number): number {
    this.expire(now);
    return this.sum;
  }

  /**
   * The earliest time at which `tokens` more fit under `limit`, walking the window oldest first until enough has
   * expired (all of it, for a request larger than the limit: it then goes alone). `now` if they fit already.
   */
  freeAt(tokens: number, limit: number, now: number): number {
    let used = this.total(now);
    if (used + tokens <= limit) return now;
    let free = now;
    for (let seq = this.head; seq < this.tail; seq++) {
      used -= this.tokens[seq & this.mask];
      free = this.at[seq & this.mask] + this.spanMs;
      if (used + tokens <= limit) break;
    }
    return free;
  }

  private resize(capacity: number): void {
    const at = new Float64Array(capacity);
    const tokens = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let seq = this.head; seq < this.tail; seq++) {
      at[seq & mask] = this.at[seq & this.mask];
      tokens[seq & mask] = this.tokens[seq & this.mask];
    }
    this.at = at;
    this.tokens = tokens;
    this.mask = mask;
  }
}
