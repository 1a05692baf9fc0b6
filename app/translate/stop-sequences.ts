// Anthropic's stop_sequences, matched on the proxy's side. Mistral also receives them as `stop`, but it neither
// says which sequence matched nor stops at all on some models, so the proxy cuts the text itself: the answer ends
// right before the first sequence the model completes, with stop_reason "stop_sequence" and that sequence.

export interface StopMatch {
  /** Where the matched sequence starts in the scanned text. */
  index: number;
  sequence: string;
}

/** The sequence the model completes first (earliest end; on a tie the longer one, which began earlier). */
export function findStop(text: string, stops: readonly string[]): StopMatch | null {
  let best: StopMatch | null = null;
  let bestEnd = Infinity;
  for (const sequence of stops) {
    if (!sequence) continue;
    const index = text.indexOf(sequence);
    if (index < 0) continue;
    const end = index + sequence.length;
    if (end < bestEnd || (end === bestEnd && best && index < best.index)) {
      best = { index, sequence };
      bestEnd = end;
    }
  }
  return best;
}

/**
 * Streaming matcher: text goes in piece by piece; what cannot be part of a stop sequence comes out at once, and a
 * tail that could still grow into one is held back until it does or cannot.
 */
export class StopScanner {
  private pending = '';
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((s) => s.length));
  }

  get active(): boolean {
    return this.stops.length > 0;
  }

  /** Text safe to emit now, and the match if a sequence completed (text after it is discarded). */
  push(text: string): { emit: string; match: string | null } {
    this.pending += text;
    const match = findStop(this.pending, this.stops);
    if (match) {
      const emit = this.pending.slice(0, match.index);
      this.pending = '';
      return { emit, match: match.sequence };
    }
    const hold = this.heldLength();
    const emit = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return { emit, match: null };
  }

  /** The held tail, once the text is over (it never completed a sequence). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  /** Length of the longest tail of the pending text that is a proper prefix of some stop sequence. */
  private heldLength(): number {
    const max = Math.min(this.pending.length, this.longest - 1);
    for (let n = max; n > 0; n--) {
      const tail = this.pending.slice(this.pending.length - n);
      if (this.stops.some((s) => s.length > n && s.startsWith(tail))) return n;
    }
    return 0;
  }
}
