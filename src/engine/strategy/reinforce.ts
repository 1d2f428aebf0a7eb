/**
 * REINFORCE policy gradient (Williams, "Simple Statistical Gradient-Following Algorithms for
 * Connectionist Reinforcement Learning", Machine Learning 1992), used for NAS by Zoph & Le,
 * "Neural Architecture Search with Reinforcement Learning", ICLR 2017, and as the REINFORCE baseline of
 * NAS-Bench-201 (Dong & Yang, ICLR 2020), whose controller is, as here, a factorized categorical
 * policy: one independent softmax over the options of every choice of the space.
 *
 * For a sampled architecture a (one option index a_i per choice i) with reward R:
 *   baseline b <- R on the first update, then b <- m * b + (1 - m) * R     (EMA, momentum m)
 *   logits_i   <- logits_i + lr * ((R - b) * (onehot(a_i) - softmax(logits_i)) + beta * dH_i/dlogits_i)
 * i.e. gradient ascent on (R - b) * log pi(a) + beta * H(pi) (the baseline is updated before the
 * advantage is taken, as in NAS-Bench-201's implementation). dH/dz_k = -p_k (log p_k + H).
 * A reward of -Infinity (an infeasible candidate) is replaced by the lowest finite reward seen so far
 * (0 when none), so it is discouraged without breaking the arithmetic.
 * With `prerank`, the top-K of a zero-cost-scored pool are proposed first (Abdelfattah et al., ICLR 2021);
 * their rewards update the policy like sampled ones.
 */
import type { SearchSpace } from '../space/types';
import type { Candidate, EvalResult, StrategyState } from './types';
import { BaseStrategy, isNum, stateField } from './base';
import type { ProxyScorer } from './prerank';
import { REINFORCE_DEFAULTS, type ReinforceOptions } from '../../shared/strategy-options';

// The options and their defaults are plain data in the shared layer (the run config validates them).
export { REINFORCE_DEFAULTS, type ReinforceOptions };

export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

export class Reinforce<G> extends BaseStrategy<G, ReinforceOptions> {
  readonly name = 'reinforce';
  private logits: number[][];
  private baseline: number | null = null;
  private worstReward: number | null = null;
  private updates = 0;

  constructor(space: SearchSpace<G>, options: Partial<ReinforceOptions>, seed: number, scorer?: ProxyScorer<G>) {
    const o = { ...REINFORCE_DEFAULTS, ...options };
    if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new Error(`reinforce: learningRate must be > 0, got ${o.learningRate}`);
    if (!(o.baselineMomentum >= 0 && o.baselineMomentum < 1)) throw new Error(`reinforce: baselineMomentum must be in [0, 1), got ${o.baselineMomentum}`);
    if (!(o.entropyWeight >= 0 && Number.isFinite(o.entropyWeight))) throw new Error(`reinforce: entropyWeight must be >= 0, got ${o.entropyWeight}`);
    super(space, o, seed, scorer);
    this.logits = space.choices.map((c) => c.options.map(() => 0));
  }

  /** Current per-choice probabilities (for display). */
  probabilities(): number[][] {
    return this.logits.map(softmax);
  }

  protected propose(): G {
    const w = this.takeWarm();
    if (w !== null) return w;
    const idx = this.logits.map((z) => {
      const p = softmax(z);
      const u = this.rng.next();
      let acc = 0;
      for (let k = 0; k < p.length; k++) {
        acc += p[k];
        if (u < acc) return k;
      }
      return p.length - 1;
    });
    return this.space.fromIndices(idx);
  }

  protected learn(c: Candidate<G>, r: EvalResult): void {
    let reward = r.objective;
    if (Number.isFinite(reward)) {
      this.worstReward = this.worstReward === null ? reward : Math.min(this.worstReward, reward);
    } else {
      reward = this.worstReward ?? 0;
    }
    const m = this.options.baselineMomentum;
    this.baseline = this.baseline === null ? reward : m * this.baseline + (1 - m) * reward;
    const adv = reward - this.baseline;
    const { learningRate: lr, entropyWeight: beta } = this.options;
    const action = this.space.toIndices(c.genotype);
    this.logits = this.logits.map((z, i) => {
      const p = softmax(z);
      const h = -p.reduce((s, pk) => s + (pk > 0 ? pk * Math.log(pk) : 0), 0);
      return z.map((zk, k) => {
        const dLogPi = (k === action[i] ? 1 : 0) - p[k];
        const dH = p[k] > 0 ? -p[k] * (Math.log(p[k]) + h) : 0;
        return zk + lr * (adv * dLogPi + beta * dH);
      });
    });
    this.updates++;
  }

  protected saveState(): Record<string, unknown> {
    return { logits: this.logits.map((z) => z.slice()), baseline: this.baseline, worstReward: this.worstReward, updates: this.updates };
  }

  protected loadState(state: StrategyState): void {
    const shape = this.space.choices.map((c) => c.options.length);
    const logits = stateField(state, 'logits', (v): v is number[][] =>
      Array.isArray(v) && v.length === shape.length && v.every((z, i) => Array.isArray(z) && z.length === shape[i] && z.every(isNum)),
    `an array of ${shape.length} logit vectors of lengths [${shape.join(',')}]`);
    const orNull = (v: unknown): v is number | null => v === null || isNum(v);
    this.baseline = stateField(state, 'baseline', orNull, 'a number or null');
    this.worstReward = stateField(state, 'worstReward', orNull, 'a number or null');
    this.updates = stateField(state, 'updates', (v): v is number => Number.isInteger(v) && (v as number) >= 0, 'a non-negative integer');
    this.logits = logits.map((z) => z.slice());
  }
}
