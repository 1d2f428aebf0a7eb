/**
 * DARTS search (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019; quark0/darts
 * `train_search.py`): bilevel optimisation of a weight-sharing supernet. Each step first updates the architecture
 * parameters on a validation batch (Adam lr 3e-4, betas (0.5, 0.999), weight decay 1e-3; first- or second-order
 * gradient, darts-architect.ts), then the weights on a training batch (SGD momentum 0.9, weight decay 3e-4,
 * gradient norm clipped at 5, cosine learning rate from 0.025 to 0.001 over the epochs). At the end of every epoch
 * it reports the softmaxed alphas and the derived genotype. PC-DARTS (pc-darts.ts) is this loop on a supernet built
 * with partial channels and edge normalisation, with a weights-only warm-up.
 * Anti-collapse measures (supernet/anti-collapse.ts) are switched on by options: entropy regularisation,
 * operation dropout, DARTS+ early stopping and the RobustDARTS Hessian eigenvalue with DARTS-ES stopping.
 *
 * State: stateDict() captures weights, BN statistics, alphas/betas, both optimisers' buffers, the rng and batch
 * stream positions and every counter, so that a searcher restored with loadStateDict() takes exactly the step the
 * saved one would have taken next. Batch-norm running statistics follow the weight steps only (the architecture
 * step and the eigenvalue estimate restore them), as in DARTS the search always runs BN on batch statistics.
 * Gradients: the engine imports only tfjs-core; the host must have registered tfjs's gradients (import
 * '@tensorflow/tfjs' or '@tensorflow/tfjs-core/dist/register_all_gradients') and, for conv gradients on wasm/cpu,
 * called the engine accel layer's install().
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorSplit } from '../evaluator/tensors';
import { Adam, DARTS_ARCH_ADAM, type AdamOptions } from '../optim/adam';
import { Sgd } from '../optim/sgd';
import {
  dominantEigenvalue, earlyStopCheck, INITIAL_EARLY_STOP, meanAlphaEntropy, NO_ANTI_COLLAPSE, rankingSignature,
  type AntiCollapseOptions, type EarlyStopState,
} from '../supernet/anti-collapse';
import { BatchStream, gatherBatch, sliceBatch } from '../supernet/batches';
import type { OneShotHooks } from '../supernet/events';
import { correctCount, crossEntropy } from '../supernet/loss';
import { assignFrom, CheckpointError, readTensors, supernetTensorList, tensorEntry, tensorFrom, type OneShotCheckpoint } from '../supernet/state';
import type { Supernet, SupernetMode } from '../supernet/types';
import { StatusMachine, StatusOwner, StrategyStatusError } from '../strategy/status';
import type { SearchStatus, StopCause } from '../strategy/types';
import { AbortedError, throwIfAborted } from '../util/abort';
import { createRng, createRngFromState, type Rng } from '../util/rng';
import { isCount, isFiniteNumber, isObject, MetaReader, ONESHOT_META_VERSION } from './checkpoint-meta';
import { firstOrderArchGrad, secondOrderArchGrad, valueAndGrads, type BilevelProblem } from './darts-architect';

export interface DartsOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Weight learning rate at epoch 0 (cosine-annealed per epoch to learningRateMin). */
  readonly learningRate: number;
  readonly learningRateMin: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Global gradient-norm clip of the weight step (0 = off). */
  readonly gradClip: number;
  /** Adam for the architecture parameters. */
  readonly arch: AdamOptions;
  readonly order: 'first' | 'second';
  /** Epochs of weight-only training before architecture steps start (PC-DARTS: 15). */
  readonly warmupEpochs: number;
  readonly seed: number;
  /** NB201: derive genotypes without 'none' (DARTS never keeps 'none'). */
  readonly excludeNone: boolean;
  readonly antiCollapse: AntiCollapseOptions;
}

export const DEFAULT_DARTS_OPTIONS: DartsOptions = {
  epochs: 50,
  batchSize: 64,
  learningRate: 0.025,
  learningRateMin: 0.001,
  momentum: 0.9,
  weightDecay: 3e-4,
  gradClip: 5,
  arch: DARTS_ARCH_ADAM,
  order: 'first',
  warmupEpochs: 0,
  seed: 0,
  excludeNone: false,
  antiCollapse: NO_ANTI_COLLAPSE,
};

export type DartsOptionsInput = Partial<Omit<DartsOptions, 'arch' | 'antiCollapse'>> & {
  readonly arch?: Partial<AdamOptions>;
  readonly antiCollapse?: Partial<AntiCollapseOptions>;
};

const nonNeg = (name: string, x: number): void => {
  if (!(typeof x === 'number' && Number.isFinite(x) && x >= 0)) throw new Error(`DARTS option ${name}: must be a finite number >= 0, got ${x}`);
};
const posInt = (name: string, x: number, min = 1): void => {
  if (!(Number.isInteger(x) && x >= min)) throw new Error(`DARTS option ${name}: must be an integer >= ${min}, got ${x}`);
};

/** Fills defaults and validates (throws an Error naming the first bad option). */
export function dartsOptions(input: DartsOptionsInput = {}, defaults: DartsOptions = DEFAULT_DARTS_OPTIONS): DartsOptions {
  const o: DartsOptions = {
    ...defaults,
    ...input,
    arch: { ...defaults.arch, ...(input.arch ?? {}) },
    antiCollapse: { ...defaults.antiCollapse, ...(input.antiCollapse ?? {}) },
  };
  posInt('epochs', o.epochs);
  posInt('batchSize', o.batchSize);
  for (const k of ['learningRate', 'learningRateMin', 'momentum', 'weightDecay', 'gradClip', 'warmupEpochs'] as const) nonNeg(k, o[k]);
  for (const k of ['learningRate', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) nonNeg(`arch.${k}`, o.arch[k]);
  if (!(o.antiCollapse.eigenEps > 0)) throw new Error(`DARTS option antiCollapse.eigenEps: must be > 0, got ${o.antiCollapse.eigenEps}`);
  if (o.order !== 'first' && o.order !== 'second') throw new Error(`DARTS option order: must be 'first' or 'second', got ${JSON.stringify(o.order)}`);
  if (!Number.isFinite(o.seed)) throw new Error(`DARTS option seed: must be a number, got ${o.seed}`);
  const a = o.antiCollapse;
  if (!(Number.isFinite(a.entropyWeight))) throw new Error(`DARTS option antiCollapse.entropyWeight: must be a finite number, got ${a.entropyWeight}`);
  if (!(a.opDropout >= 0 && a.opDropout < 1)) throw new Error(`DARTS option antiCollapse.opDropout: must be in [0, 1), got ${a.opDropout}`);
  if (a.opDropoutTarget !== 'all' && a.opDropoutTarget !== 'parameter-free') throw new Error(`DARTS option antiCollapse.opDropoutTarget: 'all' or 'parameter-free', got ${JSON.stringify(a.opDropoutTarget)}`);
  for (const k of ['maxSkips', 'stableEpochs', 'earlyStopWarmup', 'eigenvalueEvery'] as const) posInt(`antiCollapse.${k}`, a[k], 0);
  for (const k of ['eigenIterations', 'eigenBatchSize', 'eigenWindow', 'eigenLag'] as const) posInt(`antiCollapse.${k}`, a[k]);
  nonNeg('antiCollapse.eigenStopRatio', a.eigenStopRatio);
  return o;
}

export interface StepReport {
  readonly epoch: number;
  readonly step: number;
  readonly globalStep: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly validLoss: number;
  readonly validAcc: number;
  /** False during the weights-only warm-up. */
  readonly archStep: boolean;
}

export interface DartsEpochRecord {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly validLoss: number;
  readonly validAcc: number;
  readonly arch: string;
  readonly eigenvalue: number | null;
}

export interface DartsResult<G> {
  /** 'done' at the end; stopCause 'exhausted' (every epoch ran) or 'early-stop' (stopReason says which rule). */
  readonly status: SearchStatus;
  readonly stopCause: StopCause | null;
  readonly stopReason: string | null;
  readonly genotype: G;
  readonly arch: string;
  readonly epochs: DartsEpochRecord[];
}

const isNumOrNull = (v: unknown): v is number | null => v === null || isFiniteNumber(v);
function isEpochRecord(v: unknown): v is DartsEpochRecord {
  return isObject(v) && isCount(v.epoch) && isFiniteNumber(v.lr) && isFiniteNumber(v.trainLoss) && isFiniteNumber(v.validLoss) &&
    isFiniteNumber(v.validAcc) && typeof v.arch === 'string' && isNumOrNull(v.eigenvalue);
}

function disposeAll(...ts: (tf.Tensor | null)[]): void {
  for (const t of ts) t?.dispose();
}

interface EpochSums { train: number; valid: number; correct: number; seen: number; steps: number }
const ZERO_SUMS: EpochSums = { train: 0, valid: 0, correct: 0, seen: 0, steps: 0 };

export class DartsSearch<G> extends StatusOwner {
  readonly name: 'darts' | 'pc-darts';
  options: DartsOptions;
  private sgd!: Sgd;
  private adam!: Adam;
  private rng!: Rng;
  private trainStream!: BatchStream;
  private validStream!: BatchStream;
  private epoch = 0;
  private stepInEpoch = 0;
  private globalStep = 0;
  protected readonly machine: StatusMachine;
  private stopReason: string | null = null;
  private lastArch: string | null = null;
  private earlyStop: EarlyStopState = INITIAL_EARLY_STOP;
  private sums: EpochSums = { ...ZERO_SUMS };
  private history: DartsEpochRecord[] = [];

  constructor(
    readonly supernet: Supernet<G>,
    readonly data: { readonly train: TensorSplit; readonly valid: TensorSplit },
    options: DartsOptionsInput = {},
  ) {
    super();
    this.name = supernet.partialChannels > 1 || supernet.edgeNormalization ? 'pc-darts' : 'darts';
    this.machine = new StatusMachine(this.name);
    this.options = dartsOptions(options);
    this.makeOptimizers();
    this.reseed();
  }

  private makeOptimizers(): void {
    this.sgd?.dispose();
    this.adam?.dispose();
    this.sgd = new Sgd(this.supernet.weights, this.options);
    // Zero momentum buffers up front: the same update as PyTorch's lazily created ones (buf = 0 * m + g on the
    // first step) and a constant tensor count from the first step on.
    const zeros = this.supernet.weights.map((w) => tf.zerosLike(w));
    this.sgd.loadState(zeros);
    tf.dispose(zeros);
    this.adam = new Adam(this.supernet.archParams, this.options.arch);
  }

  private reseed(): void {
    const root = createRng(this.options.seed);
    this.trainStream = new BatchStream(this.data.train.count, this.options.batchSize, root.seed());
    this.validStream = new BatchStream(this.data.valid.count, this.options.batchSize, root.seed());
    this.rng = createRng(root.seed());
  }

  get stepsPerEpoch(): number {
    return this.trainStream.batchesPerPass;
  }

  /** Progress counters (for a UI or a checkpoint label). */
  get progress(): { epoch: number; step: number; globalStep: number; stopReason: string | null } {
    return { epoch: this.epoch, step: this.stepInEpoch, globalStep: this.globalStep, stopReason: this.stopReason };
  }

  /** Cosine-annealed weight learning rate of an epoch (CosineAnnealingLR stepped per epoch). */
  learningRate(epoch = this.epoch): number {
    const { learningRate: max, learningRateMin: min, epochs } = this.options;
    return min + ((max - min) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
  }

  private mode(): SupernetMode {
    const a = this.options.antiCollapse;
    return { kind: 'mixture', drop: a.opDropout > 0 ? this.supernet.sampleDropMask(a.opDropout, this.rng, a.opDropoutTarget) : undefined };
  }

  /** Runs fn and restores the batch-norm running statistics it changed. */
  private keepBuffers<T>(fn: () => T): T {
    const saved = this.supernet.buffers.map((b) => tf.clone(b));
    try {
      return fn();
    } finally {
      this.supernet.buffers.forEach((b, i) => b.assign(saved[i]));
      tf.dispose(saved);
    }
  }

  /** One bilevel step (an architecture step on a validation batch, then a weight step on a training batch). */
  async step(hooks: OneShotHooks<G> = {}): Promise<StepReport> {
    const status = this.machine.status;
    if (status !== 'running') {
      const hint = status === 'paused' || status === 'interrupted' || this.machine.canResume() ? '; call resume() first' : '; nothing more to step';
      throw new StrategyStatusError(`${this.name}: the search is ${this.machine.describe()}${hint}`);
    }
    throwIfAborted(hooks.signal, `${this.name} search`);
    try {
      return await this.takeStep(hooks);
    } catch (e) {
      // A step that threw part-way (e.g. the loss diverged) leaves weights and optimisers suspect: final.
      if (!(e instanceof AbortedError)) this.machine.failInternal(e);
      throw e;
    }
  }

  private async takeStep(hooks: OneShotHooks<G>): Promise<StepReport> {
    const net = this.supernet;
    const opts = this.options;
    const lr = this.learningRate();
    this.sgd.learningRate = lr;
    this.adam.learningRate = opts.arch.learningRate;
    const tb = gatherBatch(this.data.train, this.trainStream.next());
    const vb = gatherBatch(this.data.valid, this.validStream.next());
    const archStep = this.epoch >= opts.warmupEpochs;
    let validCe: tf.Scalar | null = null;
    let validCorrect: tf.Scalar | null = null;
    let trainLoss: tf.Scalar | null = null;
    try {
      // Architecture step.
      if (archStep) {
        const mode = this.mode();
        const entropy = opts.antiCollapse.entropyWeight;
        const problem: BilevelProblem = {
          weights: net.weights,
          arch: net.archParams,
          trainLoss: () => crossEntropy(net.forward(tb.x, mode, true), tb.y),
          validLoss: () => {
            const logits = net.forward(vb.x, mode, true);
            const ce = crossEntropy(logits, vb.y);
            disposeAll(validCe, validCorrect);
            validCe = tf.keep(tf.clone(ce));
            validCorrect = tf.keep(correctCount(logits, vb.y));
            return entropy !== 0 ? tf.add(ce, tf.mul(meanAlphaEntropy(net.alphas.map((a) => a.variable)), entropy)) as tf.Scalar : ce;
          },
        };
        const g = this.keepBuffers(() => opts.order === 'second'
          ? secondOrderArchGrad(problem, { xi: lr, momentum: opts.momentum, weightDecay: opts.weightDecay, momentumBuffers: this.sgd.state() })
          : firstOrderArchGrad(problem));
        this.adam.apply(g.grads);
        tf.dispose([g.loss, ...g.grads]);
      } else {
        // Warm-up: only report the validation loss.
        const out = this.keepBuffers(() => tf.tidy(() => {
          const logits = net.forward(vb.x, { kind: 'mixture' }, true);
          return [crossEntropy(logits, vb.y), correctCount(logits, vb.y)];
        }));
        [validCe, validCorrect] = out as [tf.Scalar, tf.Scalar];
      }

      // Weight step.
      const mode = this.mode();
      const { value, grads } = valueAndGrads(() => crossEntropy(net.forward(tb.x, mode, true), tb.y), net.weights);
      trainLoss = value;
      const named: Record<string, tf.Tensor> = {};
      net.weights.forEach((w, i) => { named[w.name] = grads[i]; });
      this.sgd.applyClipped(named, opts.gradClip);
      tf.dispose(grads);

      const stats = tf.tidy(() => tf.stack([trainLoss!, validCe!, validCorrect!]));
      const [tl, vl, vc] = await stats.data();
      stats.dispose();
      if (!Number.isFinite(tl) || !Number.isFinite(vl)) {
        throw new Error(`${this.name}: loss became ${Number.isFinite(tl) ? vl : tl} at epoch ${this.epoch + 1}, step ${this.stepInEpoch + 1}; lower the learning rates`);
      }
      const report: StepReport = {
        epoch: this.epoch, step: this.stepInEpoch, globalStep: this.globalStep, lr,
        trainLoss: tl, validLoss: vl, validAcc: (100 * vc) / vb.y.shape[0], archStep,
      };
      this.sums = {
        train: this.sums.train + tl, valid: this.sums.valid + vl * vb.y.shape[0], correct: this.sums.correct + vc,
        seen: this.sums.seen + vb.y.shape[0], steps: this.sums.steps + 1,
      };
      this.stepInEpoch++;
      this.globalStep++;
      hooks.onEvent?.({ type: 'step', epoch: report.epoch, step: report.step, globalStep: report.globalStep, lr, trainLoss: tl, validLoss: vl, validAcc: report.validAcc });
      if (this.stepInEpoch >= this.stepsPerEpoch) await this.endEpoch(hooks, lr);
      return report;
    } finally {
      tf.dispose([tb.x, tb.y, vb.x, vb.y]);
      disposeAll(validCe, validCorrect, trainLoss);
    }
  }

  private async endEpoch(hooks: OneShotHooks<G>, lr: number): Promise<void> {
    const net = this.supernet;
    const a = this.options.antiCollapse;
    const epoch = this.epoch;
    const s = this.sums;
    const trainLoss = s.train / Math.max(1, s.steps);
    const validLoss = s.valid / Math.max(1, s.seen);
    const validAcc = (100 * s.correct) / Math.max(1, s.seen);
    hooks.onEvent?.({ type: 'epoch', epoch, lr, trainLoss, validLoss, validAcc });

    const w = await net.archWeights();
    hooks.onEvent?.({
      type: 'alphas', epoch, ops: net.ops.slice(),
      alphas: w.alphas.flat(),
      edges: net.alphas.flatMap((g) => g.edges.map((e) => `${g.name}:${e}`)),
      ...(w.betas ? { betas: w.betas.flat() } : {}),
    });
    const genotype = net.derive(w.alphas, w.betas ?? undefined, { excludeNone: this.options.excludeNone });
    const arch = net.encode(genotype);
    const changed = arch !== this.lastArch;
    this.lastArch = arch;
    hooks.onEvent?.({ type: 'genotype', epoch, genotype, arch, changed });

    let eigenvalue: number | null = null;
    if (a.eigenvalueEvery > 0 && (epoch + 1) % a.eigenvalueEvery === 0) {
      eigenvalue = await this.hessianEigenvalue();
      hooks.onEvent?.({ type: 'eigenvalue', epoch, value: eigenvalue });
    }
    this.history.push({ epoch, lr, trainLoss, validLoss, validAcc, arch, eigenvalue });

    const check = earlyStopCheck(a, this.earlyStop, { genotype, signature: rankingSignature(w.alphas, net.ops), eigenvalue, epochsDone: epoch + 1 });
    this.earlyStop = check.state;
    this.sums = { ...ZERO_SUMS };
    this.epoch++;
    this.stepInEpoch = 0;
    if (check.reason !== null) {
      this.machine.set('done', 'early-stop');
      this.stopReason = check.reason;
      hooks.onEvent?.({ type: 'early-stop', epoch, reason: check.reason });
    } else if (this.epoch >= this.options.epochs) {
      this.machine.set('done', 'exhausted');
    }
  }

  /**
   * RobustDARTS indicator: dominant eigenvalue of the Hessian of the validation loss (cross-entropy, BN on batch
   * statistics, no dropout) w.r.t. the alphas, on the first eigenBatchSize validation samples.
   */
  async hessianEigenvalue(iterations = this.options.antiCollapse.eigenIterations): Promise<number> {
    const net = this.supernet;
    const batch = sliceBatch(this.data.valid, 0, this.options.antiCollapse.eigenBatchSize);
    const saved = net.buffers.map((b) => tf.clone(b));
    try {
      const alphas = net.alphas.map((g) => g.variable);
      const grad = () => {
        const { value, grads } = valueAndGrads(() => crossEntropy(net.forward(batch.x, { kind: 'mixture' }, true), batch.y), alphas);
        value.dispose();
        return grads;
      };
      const { value } = await dominantEigenvalue(grad, alphas, { iterations, eps: this.options.antiCollapse.eigenEps, rng: this.rng });
      return value;
    } finally {
      net.buffers.forEach((b, i) => b.assign(saved[i]));
      tf.dispose([...saved, batch.x, batch.y]);
    }
  }

  /** Runs steps until the last epoch ends or an early-stopping rule fires. Throws AbortedError on abort. */
  async run(hooks: OneShotHooks<G> = {}): Promise<DartsResult<G>> {
    while (this.machine.status === 'running') {
      await this.step(hooks);
      if (hooks.yieldNow) await hooks.yieldNow();
    }
    const genotype = await this.genotype();
    return { status: this.machine.status, stopCause: this.machine.stopCause, stopReason: this.stopReason, genotype, arch: this.supernet.encode(genotype), epochs: this.history.slice() };
  }

  /** The genotype derived from the current architecture weights. */
  async genotype(): Promise<G> {
    const w = await this.supernet.archWeights();
    return this.supernet.derive(w.alphas, w.betas ?? undefined, { excludeNone: this.options.excludeNone });
  }

  /** Per-epoch records so far. */
  epochs(): DartsEpochRecord[] {
    return this.history.slice();
  }

  async stateDict(): Promise<OneShotCheckpoint> {
    const adam = this.adam.state();
    const named: [string, tf.Tensor][] = [
      ...supernetTensorList(this.supernet),
      ...this.sgd.state().flatMap((b, i): [string, tf.Tensor][] => (b ? [[`sgd.${i}`, b]] : [])),
      ...adam.m.map((t, i): [string, tf.Tensor] => [`adam.m.${i}`, t]),
      ...adam.v.map((t, i): [string, tf.Tensor] => [`adam.v.${i}`, t]),
    ];
    const tensors = await readTensors(named);
    const meta = {
      strategy: this.name,
      version: ONESHOT_META_VERSION,
      space: this.supernet.space,
      options: this.options,
      epoch: this.epoch,
      stepInEpoch: this.stepInEpoch,
      globalStep: this.globalStep,
      ...this.machine.save(),
      stopReason: this.stopReason,
      lastArch: this.lastArch,
      earlyStop: this.earlyStop,
      sums: this.sums,
      history: this.history,
      rng: this.rng.state(),
      trainStream: this.trainStream.state(),
      validStream: this.validStream.state(),
      adamStep: adam.step,
      sgdBuffers: this.sgd.state().map((b) => b !== null),
    };
    return { meta: JSON.parse(JSON.stringify(meta)), tensors };
  }

  /**
   * Restores a checkpoint of this searcher (same supernet structure); the checkpoint's options replace ours.
   * Every field is checked (a CheckpointError names the bad one) before anything changes; version-1 status
   * words are migrated (checkpoint-meta.ts).
   */
  loadStateDict(c: OneShotCheckpoint): void {
    const r = new MetaReader(c, this.name);
    const space = r.text('space');
    if (space !== this.supernet.space) throw new CheckpointError(`${this.name} checkpoint: saved for a ${space} supernet, this one is ${this.supernet.space}`);
    let options: DartsOptions;
    try {
      options = dartsOptions(r.object('options') as DartsOptionsInput);
    } catch (e) {
      throw new CheckpointError(`${this.name} checkpoint: "options": ${e instanceof Error ? e.message : String(e)}`);
    }
    const status = r.status();
    const epoch = r.int('epoch');
    const stepInEpoch = r.int('stepInEpoch');
    const globalStep = r.int('globalStep');
    const stopReason = r.textOrNull('stopReason');
    const lastArch = r.textOrNull('lastArch');
    const earlyStop = r.field('earlyStop', (v): v is EarlyStopState => isObject(v) && (v.signature === null || typeof v.signature === 'string') &&
      isCount(v.stable) && Array.isArray(v.eigenvalues) && v.eigenvalues.every(isFiniteNumber), 'an early-stop state {signature, stable, eigenvalues}');
    const sums = r.sums('sums', ['train', 'valid', 'correct', 'seen', 'steps'] as const);
    const history = r.list('history', isEpochRecord, 'epoch records {epoch, lr, trainLoss, validLoss, validAcc, arch, eigenvalue}');
    const rng = r.rng('rng');
    const trainStream = r.stream('trainStream', this.data.train.count);
    const validStream = r.stream('validStream', this.data.valid.count);
    const adamStep = r.int('adamStep');
    const hasBuf = r.flags('sgdBuffers', this.supernet.weights.length);
    // Every tensor is checked (shape, dtype, length) before the first assignment.
    const tensors = supernetTensorList(this.supernet);
    for (const [name, v] of tensors) tensorEntry(c, name, v.shape);
    this.supernet.archParams.forEach((p, i) => { tensorEntry(c, `adam.m.${i}`, p.shape); tensorEntry(c, `adam.v.${i}`, p.shape); });
    this.supernet.weights.forEach((w, i) => { if (hasBuf[i]) tensorEntry(c, `sgd.${i}`, w.shape); });
    this.options = options;
    this.makeOptimizers();
    for (const [name, v] of tensors) assignFrom(c, name, v);
    const bufs = this.supernet.weights.map((w, i) => (hasBuf[i] ? tensorFrom(c, `sgd.${i}`, w.shape) : tf.zerosLike(w)));
    this.sgd.loadState(bufs);
    tf.dispose(bufs);
    const ms = this.supernet.archParams.map((p, i) => tensorFrom(c, `adam.m.${i}`, p.shape));
    const vs = this.supernet.archParams.map((p, i) => tensorFrom(c, `adam.v.${i}`, p.shape));
    this.adam.loadState({ step: adamStep, m: ms, v: vs });
    tf.dispose([...ms, ...vs]);
    this.reseed();
    this.trainStream.loadState(trainStream);
    this.validStream.loadState(validStream);
    this.rng = createRngFromState(rng);
    this.epoch = epoch;
    this.stepInEpoch = stepInEpoch;
    this.globalStep = globalStep;
    this.machine.set(status.status, status.stopCause, status.failure);
    this.stopReason = stopReason;
    this.lastArch = lastArch;
    this.earlyStop = earlyStop;
    this.sums = sums;
    this.history = history.slice();
  }

  /** Frees the optimiser state (the supernet belongs to the caller). */
  dispose(): void {
    this.sgd.dispose();
    this.adam.dispose();
  }
}
