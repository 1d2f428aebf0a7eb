/**
 * One one-shot search, storage-free: what the One-shot worker (workers/oneshot-session.ts, IndexedDB) and the
 * headless runner (scripts/oneshot-cli.ts, files) both run. From a validated OneShotConfig, an image dataset and
 * its locked split it builds the supernet of the configured space (NB201 / DARTS cells / mobile macro space),
 * the searcher (DARTS, PC-DARTS: Xu et al. ICLR 2020, or SPOS: Guo et al. ECCV 2020), restores it from a
 * checkpoint, steps it, forwards the engine's events, asks the host to save after every epoch, every 10 ranked
 * subnets and on stop, and runs the SPOS ranking check (standalone training of a spread of ranked subnets,
 * Kendall tau). Weights train on the train split; alphas, ranking and the check use the validation split; the
 * test split is never touched.
 */
import { channelStats, disposeSplit, toTensorSplit, type TensorSplit } from '../evaluator/tensors';
import { DEFAULT_TRAIN_OPTIONS } from '../evaluator/train';
import { proxySubsets } from '../evaluator/train-setup';
import type { DatasetSplit, ImageDataset } from '../data/types';
import type { Network } from '../model/network';
import { spaceEntry } from '../space/table';
import type { SearchSpace } from '../space/types';
import { DartsSearch, type DartsOptionsInput } from '../oneshot/darts';
import { createPcDartsSearch } from '../oneshot/pc-darts';
import { SposSearch } from '../oneshot/spos';
import type { OneShotEvent, RankedSubnet } from '../supernet/events';
import { rankingCheckResult, spreadSample, type RankingCheckResult, type RankingCheckSubnet } from '../supernet/ranking-check';
import { standaloneScorer } from '../supernet/standalone';
import type { OneShotCheckpoint } from '../supernet/state';
import type { Supernet } from '../supernet/types';
import type { SearchStatus, StopCause } from '../strategy/types';
import { AbortedError, type AbortSignalLike } from '../util/abort';
import type { Rng } from '../util/rng';
import { createRng } from '../util/rng';
import type { OneShotConfig } from './oneshot-config';

/** The engine's events plus the ranking check's. */
export type OneShotRunEvent =
  | OneShotEvent<unknown>
  | { readonly type: 'check-subnet'; readonly index: number; readonly total: number; readonly subnet: RankingCheckSubnet }
  | { readonly type: 'ranking-check'; readonly result: RankingCheckResult };

export type OneShotPhase = 'train' | 'rank' | 'check' | 'done';
/** How a run ends, in the shared status words (strategy/types.ts); an early stop is 'done' with stopCause 'early-stop'. */
export type OneShotEndStatus = Extract<SearchStatus, 'paused' | 'done'>;

export interface OneShotSavePoint {
  readonly epoch: number;
  readonly globalStep: number;
  readonly phase: OneShotPhase;
  /** Set on the last save of a run (null while it goes on). */
  readonly status: OneShotEndStatus | null;
  /** With status 'done': 'exhausted' (the whole schedule ran) or 'early-stop'; else null. */
  readonly stopCause: StopCause | null;
  /** The searcher's state dict (computed only when called). */
  state(): Promise<OneShotCheckpoint>;
}

export interface OneShotRunHost {
  onEvent(e: OneShotRunEvent): void;
  save(p: OneShotSavePoint): Promise<void>;
  /** Called once the searcher knows its steps per epoch. */
  onStart?(info: { stepsPerEpoch: number; space: string; weights: number }): void;
  readonly signal: AbortSignalLike;
  yieldNow(): Promise<void>;
}

export interface OneShotRunInput {
  readonly config: OneShotConfig;
  readonly dataset: ImageDataset;
  readonly split: DatasetSplit;
  readonly checkpoint?: OneShotCheckpoint | null;
  /** Ranking-check progress of a resumed run (from its stored history). */
  readonly previous?: { readonly ranked: readonly RankedSubnet<unknown>[] | null; readonly rankingCheckDone: readonly RankingCheckSubnet[] };
}

export interface OneShotRunOutcome {
  readonly status: OneShotEndStatus;
  readonly stopCause: StopCause | null;
  readonly epoch: number;
  readonly globalStep: number;
  /** SPOS: the ranking, best first; DARTS: null. */
  readonly ranked: RankedSubnet<unknown>[] | null;
  /** DARTS: the last derived genotype (text) and the supernet's validation accuracy (%) of its last epoch. */
  readonly derived: { readonly arch: string; readonly validAcc: number | null } | null;
  readonly rankingCheck: RankingCheckResult | null;
  readonly stopReason: string | null;
}

interface Built {
  readonly net: Supernet<unknown>;
  readonly space: SearchSpace<unknown>;
  readonly cost: (g: unknown) => number;
  readonly build: (g: unknown, rng: Rng) => Network;
}

/** The supernet, its search space, its FLOP counter and its standalone builder for a config (from the space table). */
export function buildOneShotSupernet(config: OneShotConfig, input: { readonly inputShape: readonly [number, number, number]; readonly numClasses: number }): Built {
  const oneShot = spaceEntry(config.space).oneShot;
  if (!oneShot) throw new Error(`one-shot search: space "${config.space}" has no supernet`);
  const rng = createRng(config.seed);
  const pc = config.method === 'pc-darts' ? { partialChannels: config.darts.partialChannels, edgeNormalization: true } : {};
  const io = { inputShape: [input.inputShape[0], input.inputShape[1], input.inputShape[2]] as const, numClasses: input.numClasses };
  const b = oneShot({ ...config, ...pc }, io, rng);
  return { net: b.net, space: b.space, cost: (g) => b.cost(g).flops / 1e6, build: (g, r) => b.buildNetwork(g, r) };
}

/**
 * A searcher restored from a checkpoint: paused / interrupted / failed (external) goes on running; done stays
 * done (nothing more to train or rank); failed inside the searcher cannot go on.
 */
function resumeRestored(s: { readonly name: string; readonly status: SearchStatus; readonly failure: string | null; canResume(): boolean; resume(): void }): void {
  if (s.canResume()) s.resume();
  else if (s.status === 'failed') throw new Error(`${s.name}: the checkpoint is of a search that failed (${s.failure ?? 'unknown error'}); start a new run`);
}

const hashed = (r: RankedSubnet<unknown>, hash: (g: unknown) => string): RankedSubnet<unknown> => (r.hash === undefined ? { ...r, hash: hash(r.genotype) } : r);

/** A searcher's event with the canonical hash of each genotype it names (derived cells, scored and ranked subnets). */
function withHashes(e: OneShotEvent<unknown>, hash: (g: unknown) => string): OneShotEvent<unknown> {
  switch (e.type) {
    case 'genotype': return { ...e, hash: hash(e.genotype) };
    case 'subnet': return { ...e, subnet: hashed(e.subnet, hash) };
    case 'ranked': return { ...e, ranked: e.ranked.map((r) => hashed(r, hash)), topK: e.topK.map((r) => hashed(r, hash)) };
    default: return e;
  }
}

/** Runs (or resumes) one search to its end, an early stop, or the host's abort (status 'paused'). */
export async function runOneShotSearch(input: OneShotRunInput, host: OneShotRunHost): Promise<OneShotRunOutcome> {
  const { config, dataset: ds, split } = input;
  const signal = host.signal;
  let train: TensorSplit | null = null;
  let valid: TensorSplit | null = null;
  let built: Built | null = null;
  let searcher: { dispose(): void } | null = null;
  try {
    const subsets = proxySubsets(split, config.trainSamples, config.validSamples, config.seed);
    const stats = channelStats(ds, subsets.train);
    train = toTensorSplit(ds, subsets.train, stats);
    valid = toTensorSplit(ds, subsets.valid, stats);
    const data = { train, valid };
    built = buildOneShotSupernet(config, { inputShape: ds.shape, numClasses: ds.classes.length });
    const { net, space } = built;
    // Every derived or ranked genotype carries the space's canonical hash (the lineage of a one-shot candidate).
    const emit = (e: OneShotEvent<unknown>) => host.onEvent(withHashes(e, (g) => space.hash(g)));
    const hooks = { signal, yieldNow: () => host.yieldNow(), onEvent: emit };
    const checkpoint = input.checkpoint ?? null;

    if (config.method === 'spos') {
      const s = new SposSearch<unknown>(net, space, data, {
        epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, seed: config.seed,
        subnets: config.spos.subnets, topK: config.spos.topK, flopsPenalty: config.spos.flopsPenalty,
        calibrationBatchSize: Math.min(64, config.batchSize * 2), evalBatchSize: 256,
      }, built.cost);
      searcher = s;
      if (checkpoint) s.loadStateDict(checkpoint);
      resumeRestored(s);
      let epoch = checkpoint ? Number(checkpoint.meta.epoch ?? 0) : 0;
      let globalStep = checkpoint ? Number(checkpoint.meta.globalStep ?? 0) : 0;
      host.onStart?.({ stepsPerEpoch: s.stepsPerEpoch, space: config.space, weights: net.weights.length });
      const save = (phase: OneShotPhase, status: OneShotEndStatus | null = null) =>
        host.save({ epoch, globalStep, phase, status, stopCause: status === 'done' ? 'exhausted' : null, state: () => s.stateDict() });
      let ranked: RankedSubnet<unknown>[] | null = input.previous?.ranked ? input.previous.ranked.slice() : null;
      try {
        while (s.phase === 'train' && s.status === 'running' && !signal.aborted) {
          const r = await s.step(hooks);
          globalStep = r.globalStep + 1;
          if (r.step === s.stepsPerEpoch - 1) {
            epoch = r.epoch + 1;
            await save(s.phase === 'train' ? 'train' : 'rank');
          }
          await host.yieldNow();
        }
        if (s.phase === 'rank' && s.status === 'running' && !signal.aborted) {
          let scored = 0;
          const res = await s.rank({
            ...hooks,
            onEvent: (e) => {
              emit(e);
              if (e.type === 'subnet') scored++;
            },
            yieldNow: async () => {
              await host.yieldNow();
              if (scored % 10 === 0 && !signal.aborted) await save('rank');
            },
          });
          ranked = res.ranked.map((r) => hashed(r, (g) => space.hash(g)));
        } else if (s.status === 'done') {
          ranked = s.result().ranked.length > 0 ? s.result().ranked.map((r) => hashed(r, (g) => space.hash(g))) : ranked;
        }
      } catch (e) {
        if (!(e instanceof AbortedError)) throw e;
      }
      const outcome = (status: OneShotEndStatus, check: RankingCheckResult | null): OneShotRunOutcome =>
        ({ status, stopCause: status === 'done' ? 'exhausted' : null, epoch, globalStep, ranked, derived: null, rankingCheck: check, stopReason: null });
      if (signal.aborted) {
        if (s.status === 'running') s.pause();
        await save(s.status === 'done' ? 'check' : s.phase, 'paused');
        return outcome('paused', null);
      }
      // Ranking check: a spread of the ranked subnets trained standalone, Kendall tau vs the supernet scores.
      const k = config.spos.rankingCheck;
      let check: RankingCheckResult | null = null;
      if (k >= 2 && ranked) {
        const done = (input.previous?.rankingCheckDone ?? []).slice();
        await save('check');
        const sample = spreadSample(ranked, k);
        const score = standaloneScorer({
          space, train, valid, seed: config.seed, signal, build: built.build,
          trainOptions: { ...DEFAULT_TRAIN_OPTIONS, epochs: config.spos.rankingCheckEpochs, batchSize: config.batchSize, learningRate: config.learningRate },
        });
        try {
          for (let i = done.length; i < sample.length; i++) {
            const standaloneScore = await score(sample[i].genotype, i);
            const subnet = { arch: sample[i].arch, supernetScore: sample[i].accuracy, standaloneScore };
            done.push(subnet);
            host.onEvent({ type: 'check-subnet', index: i, total: sample.length, subnet });
            await save('check');
            if (signal.aborted) break;
          }
        } catch (e) {
          if (!(e instanceof AbortedError)) throw e;
        }
        if (signal.aborted) {
          await save('check', 'paused');
          return outcome('paused', null);
        }
        check = rankingCheckResult(done, config.spos.topK);
        host.onEvent({ type: 'ranking-check', result: check });
      }
      await save('done', 'done');
      return outcome('done', check);
    }

    // DARTS / PC-DARTS.
    const pc = config.method === 'pc-darts';
    const rounds = Math.max(1, Math.min(5, Math.floor(config.epochs / Math.max(1, config.darts.eigenvalueEvery) / 2)));
    const dartsOpts: DartsOptionsInput = {
      epochs: config.epochs, batchSize: config.batchSize, learningRate: config.learningRate, seed: config.seed, order: config.darts.order,
      excludeNone: config.darts.excludeNone,
      ...(pc ? { warmupEpochs: config.darts.warmupEpochs } : {}),
      antiCollapse: {
        entropyWeight: config.darts.entropyWeight, opDropout: config.darts.opDropout, maxSkips: config.darts.maxSkips,
        stableEpochs: config.darts.stableEpochs, earlyStopWarmup: config.darts.earlyStopWarmup,
        eigenvalueEvery: config.darts.eigenvalueEvery, eigenIterations: config.darts.eigenIterations,
        eigenBatchSize: Math.min(64, valid.count), eigenStopRatio: config.darts.eigenStopRatio,
        // DARTS-ES compares windows of evaluations; small runs get small windows.
        eigenWindow: rounds, eigenLag: rounds,
      },
    };
    const d = pc ? createPcDartsSearch(net, data, dartsOpts) : new DartsSearch<unknown>(net, data, dartsOpts);
    searcher = d;
    if (checkpoint) d.loadStateDict(checkpoint);
    resumeRestored(d);
    host.onStart?.({ stepsPerEpoch: d.stepsPerEpoch, space: config.space, weights: net.weights.length });
    let derived: { arch: string; validAcc: number | null } | null = null;
    const track = (e: OneShotEvent<unknown>) => {
      if (e.type === 'genotype') derived = { arch: e.arch, validAcc: derived?.validAcc ?? null };
      if (e.type === 'epoch') derived = { arch: derived?.arch ?? '', validAcc: e.validAcc };
      emit(e);
    };
    const save = (phase: OneShotPhase, status: OneShotEndStatus | null = null) => {
      const p = d.progress;
      return host.save({ epoch: p.epoch, globalStep: p.globalStep, phase, status, stopCause: status === 'done' ? d.stopCause : null, state: () => d.stateDict() });
    };
    try {
      while (d.status === 'running' && !signal.aborted) {
        const before = d.progress.epoch;
        await d.step({ ...hooks, onEvent: track });
        if (d.progress.epoch !== before) await save(d.status === 'running' ? 'train' : 'done');
        await host.yieldNow();
      }
    } catch (e) {
      if (!(e instanceof AbortedError)) throw e;
    }
    const p = d.progress;
    const status: OneShotEndStatus = signal.aborted && d.status === 'running' ? 'paused' : 'done';
    if (status === 'paused') d.pause();
    await save(status === 'paused' ? 'train' : 'done', status);
    if (!derived || !(derived as { arch: string }).arch) {
      const w = await net.archWeights();
      const g = net.derive(w.alphas, w.betas ?? undefined, { excludeNone: config.darts.excludeNone });
      derived = { arch: net.encode(g), validAcc: (derived as { validAcc: number | null } | null)?.validAcc ?? null };
    }
    return { status, stopCause: status === 'done' ? d.stopCause : null, epoch: p.epoch, globalStep: p.globalStep, ranked: null, derived, rankingCheck: null, stopReason: p.stopReason };
  } finally {
    searcher?.dispose();
    built?.net.dispose();
    if (train) disposeSplit(train);
    if (valid) disposeSplit(valid);
  }
}
