/**
 * The NAS-Bench-201 macro layout (Dong & Yang, ICLR 2020, TinyNetwork; see space/nb201/skeleton.ts), walked ONCE here
 * and read by the network builder (network.ts), the cost counter (cost.ts), the latency-table pieces
 * (lut-pieces.ts) and the supernet (supernet/nb201-supernet.ts): stem; three stages at C, 2C, 4C channels and
 * 1, 1/2, 1/4 of the input resolution, with a ResNet reduction block before stages 2 and 3; head.
 * Consumers create their layers in the order stem, body, head, which fixes the seeded initialisation.
 */
import type { InputShape } from '../skeleton-base';
import type { Nb201Skeleton } from './skeleton';

/** Resolution and channels of one stage. */
export interface Nb201Stage {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** A step of the body between stem and head. */
export type Nb201Step =
  /** The ResNet basic block (stride 2) before stage `stage` (1 or 2). */
  | { readonly kind: 'reduction'; readonly stage: number; readonly from: Nb201Stage; readonly to: Nb201Stage }
  /** Cell `index` (0..cellsPerStage-1) of stage `stage` (0..2). */
  | { readonly kind: 'cell'; readonly stage: number; readonly index: number; readonly at: Nb201Stage };

export interface Nb201Layout {
  /** conv3x3 + BN from the input to the first stage. */
  readonly stem: { readonly inputShape: InputShape; readonly out: Nb201Stage };
  /** Reduction blocks and cells, in build and execution order. */
  readonly body: readonly Nb201Step[];
  /** BN-ReLU, global average pool, dense to `classes`. */
  readonly head: { readonly at: Nb201Stage; readonly classes: number };
}

const down = (r: number, s: number): number => Math.ceil(r / s);

/** The three stages of a skeleton. */
export function nb201Stages(sk: Nb201Skeleton): Nb201Stage[] {
  const [h, w] = sk.inputShape;
  return [1, 2, 4].map((m, s) => ({ h: down(h, 2 ** s), w: down(w, 2 ** s), c: m * sk.channels }));
}

export function nb201Layout(sk: Nb201Skeleton): Nb201Layout {
  const stages = nb201Stages(sk);
  const body: Nb201Step[] = [];
  stages.forEach((at, stage) => {
    if (stage > 0) body.push({ kind: 'reduction', stage, from: stages[stage - 1], to: at });
    for (let index = 0; index < sk.cellsPerStage; index++) body.push({ kind: 'cell', stage, index, at });
  });
  return { stem: { inputShape: sk.inputShape, out: stages[0] }, body, head: { at: stages[2], classes: sk.numClasses } };
}
