/**
 * The latency-table pieces of DARTS networks (Liu, Simonyan & Yang, ICLR 2019), read off the one layout walk
 * (layout.ts) as network.ts builds it: stem, each cell's two preprocessing ops (FactorizedReduce or
 * ReLU-conv1x1-BN), every op at stride 1 (normal cells, and reduction-cell ops on intermediate nodes) and stride 2
 * (reduction-cell ops on the cell inputs), the node sums, the concat of the four nodes, and the head (global
 * average pool, dense). skip_connect at stride 1 is the identity: zero cost, no kernel.
 */
import { batchNorm, conv2d } from '../../ops/layers';
import { sequential } from '../../ops/module';
import { DARTS_OP_FACTORIES, factorizedReduce, reluConvBn } from '../../ops/darts-ops';
import { headPiece, headRunner, inst, shape, singleRunner, sumPiece, type OpInstance, type OpRunner } from '../../profiler/op-instance';
import type { Rng } from '../../util/rng';
import type { DartsSpaceConfig } from '../../../shared/space-config';
import { checkDartsGenotype, DARTS_STEPS, type DartsEdge, type DartsGenotype } from './genotype';
import type { LatencyPieces } from '../descriptor';
import type { DartsSkeleton } from './skeleton';
import { DARTS_OPS, type DartsGenotypeOp, type DartsOp } from '../../../shared/space-vocab';
import { dartsLayout, dartsOpStride, type DartsCellSlot, type DartsLayout } from './layout';

function stemPiece(layout: DartsLayout): OpInstance {
  const [h, w, c] = layout.stem.inputShape;
  return inst({ op: 'stem', role: 'stem', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: layout.stem.channels });
}

function headOf(layout: DartsLayout): OpInstance {
  const [h, w, c] = layout.head.inputShape;
  return headPiece(h, w, c, layout.head.classes);
}

function preprocessPieces(slot: DartsCellSlot): OpInstance[] {
  const [h0, w0, c0] = slot.in0;
  const [h1, w1, c1] = slot.in1;
  const pre0 = slot.reductionPrev
    ? inst({ op: 'factorized_reduce', role: 'preprocess', inputShape: shape(h0, w0, c0), inputs: 1, stride: 2, outChannels: slot.C })
    : inst({ op: 'relu_conv_bn_1x1', role: 'preprocess', inputShape: shape(h0, w0, c0), inputs: 1, stride: 1, outChannels: slot.C });
  const pre1 = inst({ op: 'relu_conv_bn_1x1', role: 'preprocess', inputShape: shape(h1, w1, c1), inputs: 1, stride: 1, outChannels: slot.C });
  return [pre0, pre1];
}

function opPiece(op: DartsGenotypeOp, h: number, w: number, C: number, stride: number): OpInstance {
  return inst({ op, role: 'cell-op', inputShape: shape(h, w, C), inputs: 1, stride, outChannels: C, zeroCost: op === 'skip_connect' && stride === 1 });
}

const concatPiece = (slot: DartsCellSlot): OpInstance =>
  inst({ op: 'concat', role: 'concat', inputShape: shape(slot.outH, slot.outW, slot.C), inputs: 4, stride: 1, outChannels: 4 * slot.C });

function cellPieces(edges: readonly DartsEdge[], slot: DartsCellSlot): OpInstance[] {
  const out = preprocessPieces(slot);
  edges.forEach(([op, input]) => {
    // States 0 and 1 are at the inputs' resolution (after preprocessing); nodes at the output resolution.
    out.push(input < 2 ? opPiece(op, slot.in1[0], slot.in1[1], slot.C, dartsOpStride(slot, input)) : opPiece(op, slot.outH, slot.outW, slot.C, 1));
  });
  for (let k = 0; k < DARTS_STEPS; k++) out.push(sumPiece(2, slot.outH, slot.outW, slot.C));
  out.push(concatPiece(slot));
  return out;
}

function ofGenotype(genotype: DartsGenotype, sk: DartsSkeleton): OpInstance[] {
  const g = checkDartsGenotype(genotype);
  const layout = dartsLayout(sk);
  return [stemPiece(layout), ...layout.cells.flatMap((slot) => cellPieces(slot.reduction ? g.reduce : g.normal, slot)), headOf(layout)];
}

function all(sk: DartsSkeleton, cfg: DartsSpaceConfig): OpInstance[] {
  const ops = cfg.ops.filter((o): o is DartsGenotypeOp => o !== 'none');
  const layout = dartsLayout(sk);
  const out: OpInstance[] = [stemPiece(layout)];
  for (const slot of layout.cells) {
    out.push(...preprocessPieces(slot));
    for (const op of ops) {
      out.push(opPiece(op, slot.in1[0], slot.in1[1], slot.C, dartsOpStride(slot, 0)));
      if (slot.reduction) out.push(opPiece(op, slot.outH, slot.outW, slot.C, 1));
    }
    out.push(sumPiece(2, slot.outH, slot.outW, slot.C));
    out.push(concatPiece(slot));
  }
  out.push(headOf(layout));
  return out;
}

function isDartsOp(op: string): op is DartsOp {
  return (DARTS_OPS as readonly string[]).includes(op);
}

function build(instance: OpInstance, rng: Rng): OpRunner {
  const [, , cIn] = instance.inputShape;
  const cOut = instance.outChannels;
  switch (instance.role) {
    case 'head': return headRunner(instance, rng, false);
    case 'stem': return singleRunner(instance, sequential(conv2d(cIn, cOut, 3, rng), batchNorm(cOut)));
    case 'preprocess':
      return singleRunner(instance, instance.op === 'factorized_reduce' ? factorizedReduce(cIn, cOut, true, rng) : reluConvBn(cIn, cOut, 1, 1, true, rng));
    case 'cell-op': {
      if (!isDartsOp(instance.op)) throw new Error(`unknown DARTS op "${instance.op}"`);
      return singleRunner(instance, DARTS_OP_FACTORIES[instance.op]({ C: cIn, stride: instance.stride, affine: true, rng }));
    }
    default: throw new Error(`DARTS networks have no "${instance.role}" piece (${instance.key})`);
  }
}

export const dartsLatencyPieces: LatencyPieces<DartsSpaceConfig, DartsGenotype, DartsSkeleton> = { all, ofGenotype, build };
