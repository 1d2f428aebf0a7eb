/**
 * Single Path One-Shot NAS (Guo et al., "Single Path One-Shot Neural Architecture Search with Uniform Sampling",
 * ECCV 2020), the weight-sharing idea of ENAS (Pham et al., ICML 2018) without a controller:
 *  1. train the supernet, each step on ONE path sampled uniformly from the search space (seeded);
 *  2. rank N sampled subnets (the field guide's worked example: 200) by validation accuracy with the weights they
 *     inherit from the supernet, each after recalibrating the batch-norm statistics on a few training batches
 *     (supernet/bn-recalibrate.ts); optional hardware-aware objective accuracy(%) - lambda * MFLOPs;
 *  3. return the ranked list and the top k to re-train from scratch (one-shot scores are only a proxy: re-train).
 * Uniform sampling: NB201 draws every edge's op uniformly (space.sample); the DARTS space draws each node's input
 * pair and ops uniformly; the mobile macro space (supernet/mobile-supernet.ts) draws every stage's block, kernel,
 * SE, width and depth uniformly. stateDict()/loadStateDict() resume training or ranking at the exact next step.
 * Gradients: the host registers tfjs's gradients (see darts.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorSplit } from '../evaluator/tensors';
import { Sgd } from '../optim/sgd';
import type { SearchSpace } from '../space/types';
import { BatchStream, gatherBatch, sliceBatch } from '../supernet/batches';
import { recalibrateBatchNorm } from '../supernet/bn-recalibrate';
import type { OneShotHooks, RankedSubnet } from '../supernet/events';
import { correctCount, crossEntropy } from '../supernet/loss';
import { assignFrom, CheckpointError, readTensors, supernetTensorList, tensorEntry, tensorFrom, type OneShotCheckpoint } from '../supernet/state';
import type { Supernet, SupernetMode } from '../supernet/types';
import { StatusMachine, StatusOwner, StrategyStatusError } from '../strategy/status';
import { AbortedError, throwIfAborted } from '../util/abort';
import { createRng, createRngFromState, type Rng } from '../util/rng';
import { isCount, isFiniteNumber, isObject, MetaReader, ONESHOT_META_VERSION } from './checkpoint-meta';
import { valueAndSparseGrads } from './darts-architect';

export interface SposOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Cosine-annealed per step from learningRate to learningRateMin. */
  readonly learningRate: number;
  readonly learningRateMin: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly gradClip: number;
  readonly seed: number;
  /** Subnets to rank (distinct by the space's hash when the space has that many). */
  readonly subnets: number;
  readonly topK: number;
  /** Training batches forwarded (training mode, no update) to recalibrate BN before scoring each subnet. */
  readonly calibrationBatches: number;
  readonly calibrationBatchSize: number;
  readonly evalBatchSize: number;
  /** Validation samples used to score a subnet (0 = the whole split). */
  readonly evalSamples: number;
  /** lambda: objective = accuracy(%) - lambda * MFLOPs (0 = accuracy only). */
  readonly flopsPenalty: number;
}

export const DEFAULT_SPOS_OPTIONS: SposOptions = {
  epochs: 10,
  batchSize: 64,
  learningRate: 0.05,
  learningRateMin: 0,
  momentum: 0.9,
  weightDecay: 4e-5,
  gradClip: 5,
  seed: 0,
  subnets: 200,
  topK: 3,
  calibrationBatches: 4,
  calibrationBatchSize: 64,
  evalBatchSize: 256,
  evalSamples: 0,
  flopsPenalty: 0,
};

export function sposOptions(input: Partial<SposOptions> = {}): SposOptions {
  const o = { ...DEFAULT_SPOS_OPTIONS, ...input };
  for (const k of ['epochs', 'batchSize', 'subnets', 'topK', 'calibrationBatchSize', 'evalBatchSize'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new Error(`SPOS option ${k}: must be an integer >= 1, got ${o[k]}`);
  }
  for (const k of ['calibrationBatches', 'evalSamples'] as const) {
    if (!(Number.isInteger(o[k]) && o[k] >= 0)) throw new Error(`SPOS option ${k}: must be an integer >= 0, got ${o[k]}`);
  }
  for (const k of ['learningRate', 'learningRateMin', 'momentum', 'weightDecay', 'gradClip', 'flopsPenalty'] as const) {
    if (!(Number.isFinite(o[k]) && o[k] >= 0)) throw new Error(`SPOS option ${k}: must be a finite number >= 0, got ${o[k]}`);
  }
  if (!Number.isFinite(o.seed)) throw new Error(`SPOS option seed: must be a number, got ${o.seed}`);
  return o;
}

/** What a running SPOS search does next; when the ranking is complete its status is 'done' (exhausted). */
export type SposPhase = 'train' | 'rank';

export interface SposStepReport {
  readonly epoch: number;
  readonly step: number;
  readonly globalStep: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAcc: number;
  /** The sampled path, as the genotype's text form. */
  readonly arch: string;
}

export interface SposResult<G> {
  readonly ranked: RankedSubnet<G>[];
  readonly topK: RankedSubnet<G>[];
  readonly epochs: { epoch: number; lr: number; trainLoss: number; trainAcc: number }[];
}

function isSposEpoch(v: unknown): v is { epoch: number; lr: number; trainLoss: number; trainAcc: number } {
  return isObject(v) && isCount(v.epoch) && isFiniteNumber(v.lr) && isFiniteNumber(v.trainLoss) && isFiniteNumber(v.trainAcc);
}

function isRankingState(v: unknown, trainCount: number): v is RankingState {
  if (!isObject(v) || !Array.isArray(v.archs) || !v.archs.every((a) => typeof a === 'string')) return false;
  if (!Array.isArray(v.calibration) || !v.calibration.every((i) => isCount(i) && i < trainCount)) return false;
  return Array.isArray(v.results) && v.results.length <= v.archs.length && v.results.every((x) => isObject(x) && typeof x.arch === 'string' &&
    isFiniteNumber(x.accuracy) && isFiniteNumber(x.mflops) && isFiniteNumber(x.objective));
}

interface RankingState {
  /** Encoded genotypes to score, in sampling order. */
  readonly archs: string[];
  /** Training-set indices of the calibration batches (the same for every subnet). */
  readonly calibration: number[];
  readonly results: { arch: string; accuracy: number; mflops: number; objective: number }[];
}

export class SposSearch<G> extends StatusOwner {
  readonly name = 'spos';
  options: SposOptions;
  private sgd!: Sgd;
  private rng!: Rng;
  private stream!: BatchStream;
  private _phase: SposPhase = 'train';
  protected readonly machine = new StatusMachine('SPOS');
  private epoch = 0;
  private stepInEpoch = 0;
  private globalStep = 0;
  private sums = { loss: 0, correct: 0, seen: 0, steps: 0 };
  private history: { epoch: number; lr: number; trainLoss: number; trainAcc: number }[] = [];
  private ranking: RankingState | null = null;

  constructor(
    readonly supernet: Supernet<G>,
    readonly space: SearchSpace<G>,
    readonly data: { readonly train: TensorSplit; readonly valid: TensorSplit },
    options: Partial<SposOptions> = {},
    /** MFLOPs of a genotype, for the penalty and the report (e.g. the space's cost counter: model/cost.ts costOf). */
    readonly cost?: (g: G) => number,
  ) {
    super();
    this.options = sposOptions(options);
    this.makeOptimizer();
    this.reseed();
  }

  private makeOptimizer(): void {
    this.sgd?.dispose();
    this.sgd = new Sgd(this.supernet.weights, this.options);
    // Zero momentum buffers up front: same update as PyTorch's lazily created ones, constant tensor count.
    const zeros = this.supernet.weights.map((w) => tf.zerosLike(w));
    this.sgd.loadState(zeros);
    tf.dispose(zeros);
  }

  private reseed(): void {
    const root = createRng(this.options.seed);
    this.stream = new BatchStream(this.data.train.count, this.options.batchSize, root.seed());
    this.rng = createRng(root.seed());
  }

  get phase(): SposPhase {
    return this._phase;
  }

  /** Throws unless running; `what` names the call. */
  private requireRunning(what: string): void {
    if (this.machine.status !== 'running') {
      const hint = this.machine.canResume() ? '; call resume() first' : '';
      throw new StrategyStatusError(`SPOS: ${what} while ${this.machine.describe()}${hint}`);
    }
  }

  /** Runs one unit of work; a non-abort error marks the searcher failed (internal): its state is suspect. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof AbortedError)) this.machine.failInternal(e);
      throw e;
    }
  }

  get stepsPerEpoch(): number {
    return this.stream.batchesPerPass;
  }

  learningRate(step = this.globalStep): number {
    const { learningRate: max, learningRateMin: min } = this.options;
    const total = this.options.epochs * this.stepsPerEpoch;
    return min + ((max - min) * (1 + Math.cos((Math.PI * step) / total))) / 2;
  }

  /** A path drawn uniformly from the space (consumes the searcher's rng). */
  samplePath(): { genotype: G; mode: SupernetMode } {
    const genotype = this.space.sample(this.rng);
    return { genotype, mode: { kind: 'path', path: this.supernet.pathOf(genotype) } };
  }

  /** One supernet training step on a uniformly sampled path. */
  async step(hooks: OneShotHooks<G> = {}): Promise<SposStepReport> {
    this.requireRunning('step()');
    if (this._phase !== 'train') throw new StrategyStatusError(`SPOS: supernet training is over (phase ${this._phase})`);
    throwIfAborted(hooks.signal, 'SPOS supernet training');
    return this.guarded(() => this.takeStep(hooks));
  }

  private async takeStep(hooks: OneShotHooks<G>): Promise<SposStepReport> {
    const net = this.supernet;
    const lr = this.learningRate();
    this.sgd.learningRate = lr;
    const { genotype, mode } = this.samplePath();
    const b = gatherBatch(this.data.train, this.stream.next());
    let correct: tf.Scalar | null = null;
    try {
      const { value, grads: sparse } = valueAndSparseGrads(() => {
        const logits = net.forward(b.x, mode, true);
        correct?.dispose();
        correct = tf.keep(correctCount(logits, b.y));
        return crossEntropy(logits, b.y);
      }, net.weights);
      // Weights off the sampled path get no gradient and no update (PyTorch: grad None -> skipped).
      const grads = sparse.filter((g): g is tf.Tensor => g !== null);
      const named: Record<string, tf.Tensor> = {};
      net.weights.forEach((w, i) => { const g = sparse[i]; if (g) named[w.name] = g; });
      this.sgd.applyClipped(named, this.options.gradClip);
      tf.dispose(grads);
      const stats = tf.tidy(() => tf.stack([value, correct!]));
      const [loss, hits] = await stats.data();
      tf.dispose([stats, value]);
      if (!Number.isFinite(loss)) throw new Error(`SPOS: loss became ${loss} at epoch ${this.epoch + 1}, step ${this.stepInEpoch + 1}; lower the learning rate`);
      const n = b.y.shape[0];
      const report: SposStepReport = {
        epoch: this.epoch, step: this.stepInEpoch, globalStep: this.globalStep, lr, trainLoss: loss,
        trainAcc: (100 * hits) / n, arch: this.space.encode(genotype),
      };
      this.sums = { loss: this.sums.loss + loss, correct: this.sums.correct + hits, seen: this.sums.seen + n, steps: this.sums.steps + 1 };
      this.stepInEpoch++;
      this.globalStep++;
      hooks.onEvent?.({ type: 'step', epoch: report.epoch, step: report.step, globalStep: report.globalStep, lr, trainLoss: loss, validLoss: null, validAcc: null });
      if (this.stepInEpoch >= this.stepsPerEpoch) {
        const rec = { epoch: this.epoch, lr, trainLoss: this.sums.loss / this.sums.steps, trainAcc: (100 * this.sums.correct) / this.sums.seen };
        this.history.push(rec);
        hooks.onEvent?.({ type: 'epoch', epoch: rec.epoch, lr, trainLoss: rec.trainLoss, validLoss: null, validAcc: null });
        this.sums = { loss: 0, correct: 0, seen: 0, steps: 0 };
        this.epoch++;
        this.stepInEpoch = 0;
        if (this.epoch >= this.options.epochs) this._phase = 'rank';
      }
      return report;
    } finally {
      tf.dispose([b.x, b.y]);
      (correct as tf.Scalar | null)?.dispose();
    }
  }

  /** Trains the supernet to the end of its epochs. */
  async trainSupernet(hooks: OneShotHooks<G> = {}): Promise<void> {
    while (this._phase === 'train' && this.machine.status === 'running') {
      await this.step(hooks);
      if (hooks.yieldNow) await hooks.yieldNow();
    }
  }

  /** Training-set indices of the calibration batches (fixed once ranking starts). */
  private calibrationIndices(): number[] {
    const n = Math.min(this.data.train.count, this.options.calibrationBatches * this.options.calibrationBatchSize);
    return this.rng.shuffle(Array.from({ length: this.data.train.count }, (_, i) => i)).slice(0, n);
  }

  /**
   * Validation accuracy (%) of subnet g with inherited weights, after BN recalibration on `calibration`
   * (training indices; default: the ranking's calibration batches, or fresh ones drawn from the rng).
   */
  async evaluateSubnet(g: G, calibration?: readonly number[]): Promise<number> {
    const net = this.supernet;
    const mode: SupernetMode = { kind: 'path', path: net.pathOf(g) };
    const calib = calibration ?? this.ranking?.calibration ?? this.calibrationIndices();
    const bs = this.options.calibrationBatchSize;
    const batches = Math.ceil(calib.length / bs);
    recalibrateBatchNorm(net.buffers, batches, (i) => {
      const b = gatherBatch(this.data.train, calib.slice(i * bs, (i + 1) * bs));
      try {
        net.forward(b.x, mode, true);
      } finally {
        tf.dispose([b.x, b.y]);
      }
    });
    const total = this.options.evalSamples > 0 ? Math.min(this.options.evalSamples, this.data.valid.count) : this.data.valid.count;
    let correct = 0;
    for (let start = 0; start < total; start += this.options.evalBatchSize) {
      const b = sliceBatch(this.data.valid, start, Math.min(this.options.evalBatchSize, total - start));
      const hits = tf.tidy(() => correctCount(net.forward(b.x, mode, false), b.y));
      correct += (await hits.data())[0];
      tf.dispose([hits, b.x, b.y]);
    }
    return (100 * correct) / Math.max(1, total);
  }

  /** Score of a subnet: accuracy, cost and objective. */
  private async score(g: G): Promise<RankedSubnet<G>> {
    const accuracy = await this.evaluateSubnet(g);
    const mflops = this.cost ? this.cost(g) : 0;
    return { genotype: g, arch: this.space.encode(g), accuracy, mflops, objective: accuracy - this.options.flopsPenalty * mflops };
  }

  /** Draws the subnets to rank: distinct by hash where possible. */
  private sampleSubnets(n: number): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (let tries = 0; out.length < n && tries < n * 50; tries++) {
      const g = this.space.sample(this.rng);
      const h = this.space.hash(g);
      if (seen.has(h)) continue;
      seen.add(h);
      out.push(this.space.encode(g));
    }
    return out;
  }

  /**
   * Ranks subnets with inherited weights: `genotypes` if given, else options.subnets sampled uniformly.
   * Resumable: a restored searcher continues with the next unscored subnet.
   */
  async rank(hooks: OneShotHooks<G> = {}, genotypes?: readonly G[]): Promise<SposResult<G>> {
    if (this.machine.status === 'done') return this.result();
    this.requireRunning('rank()');
    if (this._phase === 'train') throw new StrategyStatusError('SPOS: train the supernet before ranking (phase train)');
    return this.guarded(() => this.rankRest(hooks, genotypes));
  }

  private async rankRest(hooks: OneShotHooks<G>, genotypes?: readonly G[]): Promise<SposResult<G>> {
    if (!this.ranking) {
      const archs = genotypes ? genotypes.map((g) => this.space.encode(g)) : this.sampleSubnets(this.options.subnets);
      this.ranking = { archs, calibration: this.calibrationIndices(), results: [] };
    }
    const r = this.ranking;
    while (r.results.length < r.archs.length) {
      throwIfAborted(hooks.signal, 'SPOS ranking');
      const index = r.results.length;
      const s = await this.score(this.space.decode(r.archs[index]));
      r.results.push({ arch: s.arch, accuracy: s.accuracy, mflops: s.mflops, objective: s.objective });
      hooks.onEvent?.({ type: 'subnet', index, total: r.archs.length, subnet: s });
      if (hooks.yieldNow) await hooks.yieldNow();
    }
    this.machine.set('done', 'exhausted');
    const res = this.result();
    hooks.onEvent?.({ type: 'ranked', ranked: res.ranked, topK: res.topK });
    return res;
  }

  /** Trains (if needed) and ranks. */
  async run(hooks: OneShotHooks<G> = {}): Promise<SposResult<G>> {
    await this.trainSupernet(hooks);
    return this.rank(hooks);
  }

  /** The ranking so far, best objective first (ties: sampling order). */
  result(): SposResult<G> {
    const results = this.ranking?.results ?? [];
    const ranked = results
      .map((r, i) => ({ r, i }))
      .sort((a, b) => b.r.objective - a.r.objective || a.i - b.i)
      .map(({ r }): RankedSubnet<G> => ({ genotype: this.space.decode(r.arch), arch: r.arch, accuracy: r.accuracy, mflops: r.mflops, objective: r.objective }));
    return { ranked, topK: ranked.slice(0, this.options.topK), epochs: this.history.slice() };
  }

  async stateDict(): Promise<OneShotCheckpoint> {
    const named: [string, tf.Tensor][] = [
      ...supernetTensorList(this.supernet),
      ...this.sgd.state().flatMap((b, i): [string, tf.Tensor][] => (b ? [[`sgd.${i}`, b]] : [])),
    ];
    const tensors = await readTensors(named);
    const meta = {
      strategy: this.name,
      version: ONESHOT_META_VERSION,
      space: this.supernet.space,
      options: this.options,
      phase: this._phase,
      ...this.machine.save(),
      epoch: this.epoch,
      stepInEpoch: this.stepInEpoch,
      globalStep: this.globalStep,
      sums: this.sums,
      history: this.history,
      ranking: this.ranking,
      rng: this.rng.state(),
      stream: this.stream.state(),
      sgdBuffers: this.sgd.state().map((b) => b !== null),
    };
    return { meta: JSON.parse(JSON.stringify(meta)), tensors };
  }

  /**
   * Restores a checkpoint of this searcher (same supernet structure); the checkpoint's options replace ours.
   * Every field is checked (a CheckpointError names the bad one) before anything changes; version-1 phase
   * words are migrated (checkpoint-meta.ts).
   */
  loadStateDict(c: OneShotCheckpoint): void {
    const r = new MetaReader(c, this.name);
    const space = r.text('space');
    if (space !== this.supernet.space) throw new CheckpointError(`SPOS checkpoint: saved for a ${space} supernet, this one is ${this.supernet.space}`);
    let options: SposOptions;
    try {
      options = sposOptions(r.object('options') as Partial<SposOptions>);
    } catch (e) {
      throw new CheckpointError(`spos checkpoint: "options": ${e instanceof Error ? e.message : String(e)}`);
    }
    const phase = r.field('phase', (v): v is SposPhase => v === 'train' || v === 'rank', "'train' or 'rank'");
    const status = r.status();
    const epoch = r.int('epoch');
    const stepInEpoch = r.int('stepInEpoch');
    const globalStep = r.int('globalStep');
    const sums = r.sums('sums', ['loss', 'correct', 'seen', 'steps'] as const);
    const history = r.list('history', isSposEpoch, 'epoch records {epoch, lr, trainLoss, trainAcc}');
    const ranking = r.field('ranking', (v): v is RankingState | null => v === null || isRankingState(v, this.data.train.count),
      `null or a ranking {archs, calibration, results} (calibration indices below ${this.data.train.count}, at most one result per arch)`);
    const rng = r.rng('rng');
    const stream = r.stream('stream', this.data.train.count);
    const hasBuf = r.flags('sgdBuffers', this.supernet.weights.length);
    if (ranking) {
      for (const a of ranking.archs) {
        try {
          this.space.decode(a);
        } catch (e) {
          throw new CheckpointError(`spos checkpoint: "ranking.archs" holds ${JSON.stringify(a)}, not a genotype of this space: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    // Every tensor is checked (shape, dtype, length) before the first assignment.
    const tensors = supernetTensorList(this.supernet);
    for (const [name, v] of tensors) tensorEntry(c, name, v.shape);
    this.supernet.weights.forEach((w, i) => { if (hasBuf[i]) tensorEntry(c, `sgd.${i}`, w.shape); });
    this.options = options;
    this.makeOptimizer();
    for (const [name, v] of tensors) assignFrom(c, name, v);
    const bufs = this.supernet.weights.map((w, i) => (hasBuf[i] ? tensorFrom(c, `sgd.${i}`, w.shape) : tf.zerosLike(w)));
    this.sgd.loadState(bufs);
    tf.dispose(bufs);
    this.reseed();
    this.stream.loadState(stream);
    this.rng = createRngFromState(rng);
    this._phase = phase;
    this.machine.set(status.status, status.stopCause, status.failure);
    this.epoch = epoch;
    this.stepInEpoch = stepInEpoch;
    this.globalStep = globalStep;
    this.sums = { ...sums };
    this.history = history.slice();
    this.ranking = ranking ? { archs: ranking.archs.slice(), calibration: ranking.calibration.slice(), results: ranking.results.map((x) => ({ ...x })) } : null;
  }

  dispose(): void {
    this.sgd.dispose();
  }
}
