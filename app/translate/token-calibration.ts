// count_tokens is a local estimate (Mistral has no counting endpoint). Each model's tokenizer differs, so the proxy
// learns, per Mistral model, the ratio between the prompt tokens Mistral reports on real requests and its own
// estimate of the same request, and scales count_tokens answers by it. Learned in memory from live traffic: a
// restart starts from the uncalibrated estimate and converges again within a few requests.

const MIN_ESTIMATE = 50; // tiny prompts are dominated by fixed overheads: they would skew the ratio
const MIN_SAMPLES = 3;
const WARM_SAMPLES = 20;
const SAMPLE_EVERY = 32; // once warm, estimate one request in 32: the estimate walks and serialises the whole body (~90 µs on a 50 KB Claude Code request)
const RATIO_BOUNDS = [0.33, 3] as const;

export interface ModelCalibration { ratio: number; samples: number }

export class TokenCalibration {
  private readonly byModel = new Map<string, ModelCalibration & { seen: number }>();

  /** Whether this request's estimate should be computed to learn from (always while a model is new). */
  shouldSample(model: string): boolean {
    const c = this.byModel.get(model);
    if (!c || c.samples < WARM_SAMPLES) return true;
    c.seen++;
    return c.seen % SAMPLE_EVERY === 0;
  }

  /** One observation: the local estimate and the prompt tokens Mistral reported (cached ones included). */
  observe(model: string, estimate: number, reported: number): void {
    if (!(estimate >= MIN_ESTIMATE) || !(reported > 0) || !Number.isFinite(reported)) return;
    const ratio = Math.min(RATIO_BOUNDS[1], Math.max(RATIO_BOUNDS[0], reported / estimate));
    const c = this.byModel.get(model) ?? { ratio: 1, samples: 0, seen: 0 };
    // A running mean at first, then an exponential average that follows tokenizer or prompt-mix changes.
    const weight = Math.max(1 / (c.samples + 1), 0.1);
    c.ratio = c.samples === 0 ? ratio : c.ratio + (ratio - c.ratio) * weight;
    c.samples++;
    this.byModel.set(model, c);
  }

  /** The estimate scaled by what this model's real requests showed (unchanged until a few were seen). */
  adjust(model: string, estimate: number): number {
    const c = this.byModel.get(model);
    if (!c || c.samples < MIN_SAMPLES) return estimate;
    return Math.max(1, Math.round(estimate * c.ratio));
  }

  snapshot(): Record<string, ModelCalibration> {
    return Object.fromEntries([...this.byModel].map(([m, c]) => [m, { ratio: Math.round(c.ratio * 1000) / 1000, samples: c.samples }]));
  }
}
