/**
 * The latency-table pieces of NAS-Bench-201 networks (Dong & Yang, ICLR 2020), read off the one layout walk
 * (layout.ts) as network.ts builds it: stem (conv3x3 + BN), every cell op at each stage's width and resolution,
 * the node sums (addN of 2 or 3 inputs) and the all-zero output of a cell whose node 3 has no live input, the
 * two ResNet reduction blocks, and the head (BN, ReLU, global average pool, dense). skip_connect is the
 * identity: zero cost, no kernel.
 */
import { batchNorm, conv2d } from '../../ops/layers';
import { sequential } from '../../ops/module';
import { NB201_OP_FACTORIES } from '../../ops/nb201-ops';
import { headPiece, headRunner, inst, shape, singleRunner, sumPiece, zerosPiece, type OpInstance, type OpRunner } from '../../profiler/op-instance';
import type { Rng } from '../../util/rng';
import type { Nb201SpaceConfig } from '../../../shared/space-config';
import type { LatencyPieces } from '../descriptor';
import { NB201_EDGES, NB201_OPS, type Nb201Genotype } from './space';
import type { Nb201Skeleton } from './skeleton';
import type { Nb201Op } from '../../../shared/space-vocab';
import { nb201Layout, type Nb201Layout, type Nb201Stage } from './layout';
import { nb201ReductionBlock } from './reduction-block';

function cellOp(op: Nb201Op, st: Nb201Stage): OpInstance {
  return inst({ op, role: 'cell-op', inputShape: shape(st.h, st.w, st.c), inputs: 1, stride: 1, outChannels: st.c, zeroCost: op === 'skip_connect' });
}

function stemPiece(layout: Nb201Layout): OpInstance {
  const [h, w, c] = layout.stem.inputShape;
  return inst({ op: 'stem', role: 'stem', inputShape: shape(h, w, c), inputs: 1, stride: 1, outChannels: layout.stem.out.c });
}

function reductionPiece(from: Nb201Stage, to: Nb201Stage): OpInstance {
  return inst({ op: 'reduction', role: 'reduction', inputShape: shape(from.h, from.w, from.c), inputs: 1, stride: 2, outChannels: to.c });
}

const headOf = ({ head }: Nb201Layout): OpInstance => headPiece(head.at.h, head.at.w, head.at.c, head.classes);

/** The pieces of one cell, exactly as network.ts's nb201Cell runs it. */
function cellPieces(g: Nb201Genotype, st: Nb201Stage): OpInstance[] {
  const out: OpInstance[] = [];
  const live = [true, false, false, false];
  for (let j = 1; j < 4; j++) {
    let inputs = 0;
    NB201_EDGES.forEach(([from, to], e) => {
      if (to !== j || g.ops[e] === 'none' || !live[from]) return;
      out.push(cellOp(g.ops[e], st));
      inputs++;
    });
    if (inputs >= 2) out.push(sumPiece(inputs, st.h, st.w, st.c));
    live[j] = inputs > 0;
  }
  if (!live[3]) out.push(zerosPiece(st.h, st.w, st.c));
  return out;
}

function ofGenotype(g: Nb201Genotype, sk: Nb201Skeleton): OpInstance[] {
  const layout = nb201Layout(sk);
  const body = layout.body.flatMap((step) => (step.kind === 'cell' ? cellPieces(g, step.at) : [reductionPiece(step.from, step.to)]));
  return [stemPiece(layout), ...body, headOf(layout)];
}

function all(sk: Nb201Skeleton, cfg: Nb201SpaceConfig): OpInstance[] {
  const layout = nb201Layout(sk);
  const body = layout.body.flatMap((step): OpInstance[] => {
    if (step.kind === 'reduction') return [reductionPiece(step.from, step.to)];
    if (step.index > 0) return [];
    const st = step.at;
    return [
      ...cfg.ops.filter((op) => op !== 'none').map((op) => cellOp(op, st)),
      sumPiece(2, st.h, st.w, st.c), sumPiece(3, st.h, st.w, st.c), zerosPiece(st.h, st.w, st.c),
    ];
  });
  return [stemPiece(layout), ...body, headOf(layout)];
}

function isNb201Op(op: string): op is Nb201Op {
  return (NB201_OPS as readonly string[]).includes(op);
}

function build(instance: OpInstance, rng: Rng): OpRunner {
  const [, , cIn] = instance.inputShape;
  const cOut = instance.outChannels;
  switch (instance.role) {
    case 'head': return headRunner(instance, rng, true);
    case 'stem': return singleRunner(instance, sequential(conv2d(cIn, cOut, 3, rng), batchNorm(cOut)));
    case 'reduction': return singleRunner(instance, nb201ReductionBlock(cIn, cOut, rng));
    case 'cell-op': {
      if (!isNb201Op(instance.op)) throw new Error(`unknown NB201 op "${instance.op}"`);
      return singleRunner(instance, NB201_OP_FACTORIES[instance.op]({ channels: cIn, rng, affine: true }));
    }
    default: throw new Error(`NB201 networks have no "${instance.role}" piece (${instance.key})`);
  }
}

export const nb201LatencyPieces: LatencyPieces<Nb201SpaceConfig, Nb201Genotype, Nb201Skeleton> = { all, ofGenotype, build };
