/**
 * The DARTS evaluation/search network layout (Liu, Simonyan & Yang, ICLR 2019; quark0/darts NetworkCIFAR and
 * model_search.py Network; see space/darts/skeleton.ts), walked ONCE here and read by the network builder (network.ts),
 * the cost counter (cost.ts), the latency-table pieces (lut-pieces.ts) and the supernet
 * (supernet/darts-supernet.ts): stem conv3x3 to stemMultiplier*C; `layers` cells, reduction cells at
 * floor(layers/3) and floor(2*layers/3) doubling C; cell k reads cells k-2 and k-1 (both the stem at first);
 * every cell outputs DARTS_CONCAT.length * C channels; global average pool, dense.
 */
import { DARTS_CONCAT } from './genotype';
import { dartsReductionLayers, type DartsSkeleton } from './skeleton';
import { type InputShape } from '../skeleton-base';

/** One cell of the network: its channels and the shapes of its two inputs and its output. */
export interface DartsCellSlot {
  readonly index: number;
  readonly reduction: boolean;
  /** Cell k-1 was a reduction cell: input 0 is twice as large as input 1 and goes through FactorizedReduce. */
  readonly reductionPrev: boolean;
  /** C: channels of every node. */
  readonly C: number;
  /** [h, w, channels] of input 0 (cell k-2's output) and input 1 (cell k-1's output). */
  readonly in0: InputShape;
  readonly in1: InputShape;
  /** Resolution of the nodes and the output (halved in a reduction cell). */
  readonly outH: number;
  readonly outW: number;
  readonly outChannels: number;
}

export interface DartsLayout {
  readonly stem: { readonly inputShape: InputShape; readonly channels: number };
  readonly cells: readonly DartsCellSlot[];
  /** Input of the head (global average pool, dense). */
  readonly head: { readonly inputShape: InputShape; readonly classes: number };
}

const down = (r: number, s: number): number => Math.ceil(r / s);

export function dartsLayout(sk: DartsSkeleton): DartsLayout {
  const reductions = dartsReductionLayers(sk.layers);
  const [H, W] = sk.inputShape;
  const stemC = sk.stemMultiplier * sk.channels;
  let s0: InputShape = [H, W, stemC];
  let s1: InputShape = [H, W, stemC];
  let C = sk.channels;
  let reductionPrev = false;
  const cells: DartsCellSlot[] = [];
  for (let index = 0; index < sk.layers; index++) {
    const reduction = reductions.includes(index);
    if (reduction) C *= 2;
    const stride = reduction ? 2 : 1;
    const slot: DartsCellSlot = {
      index, reduction, reductionPrev, C, in0: s0, in1: s1,
      outH: down(s1[0], stride), outW: down(s1[1], stride), outChannels: DARTS_CONCAT.length * C,
    };
    cells.push(slot);
    s0 = s1;
    s1 = [slot.outH, slot.outW, slot.outChannels];
    reductionPrev = reduction;
  }
  return { stem: { inputShape: sk.inputShape, channels: stemC }, cells, head: { inputShape: s1, classes: sk.numClasses } };
}

/** Stride of a cell op reading state `input`: 2 on the cell inputs of a reduction cell. */
export function dartsOpStride(slot: Pick<DartsCellSlot, 'reduction'>, input: number): 1 | 2 {
  return slot.reduction && input < 2 ? 2 : 1;
}
