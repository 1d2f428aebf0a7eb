/**
 * The NAS-Bench-201 network (Dong & Yang, ICLR 2020; space/nb201/skeleton.ts) in PyTorch, written ONCE: the layer
 * constructors and the forward expressions of the stem, the cell ops, the reduction block and the head, as Python
 * source fragments. Two generators use them: the per-genotype exporter (pytorch.ts, one unrolled `Net`) and the
 * genotype-parameterised Ray Tune job (ray-tune.ts, `build_net(genotype, ...)`). Arguments are Python expressions
 * (a number from the exporter, a variable name in the Tune job's classes). Semantics (ops/nb201-ops.ts, pooling.ts):
 * convs without bias and with symmetric padding (k-1)/2; BN eps 1e-5, momentum 0.1; ReLU-conv-BN; stride-1 3x3
 * average pool with count_include_pad=False; reduction = ReLU-conv3x3(s2)-BN, ReLU-conv3x3-BN, plus shortcut
 * avgpool 2x2 s2 -> conv1x1 (no BN); head = BN, ReLU, global average pool, linear.
 * The layer constructors themselves (torchConv, torchBn) live in torch-layers.ts. Pure engine code: strings only.
 */
import type { Nb201Op } from '../../shared/space-vocab';

export { torchBn, torchConv } from './torch-layers';

/** ReLU -> conv -> BN applied to `x` (`conv`, `bn` are the layer expressions). */
export const nb201ReluConvBnExpr = (conv: string, bn: string, x: string): string => `${bn}(${conv}(F.relu(${x})))`;

/** Stem: conv3x3 -> BN, no activation. */
export const nb201StemExpr = (conv: string, bn: string, x: string): string => `${bn}(${conv}(${x}))`;

/** The reduction block's output: `main` (the two ReLU-conv-BN applied to h) plus the pooled 1x1 shortcut of `h`. */
export const nb201ReductionExpr = (main: string, shortcut: string, h: string): string => `${main} + ${shortcut}(F.avg_pool2d(${h}, 2, 2))`;

/** Head: BN, ReLU, global average pool, linear. */
export const nb201HeadExpr = (bn: string, classifier: string, h: string): string => `${classifier}(F.relu(${bn}(${h})).mean(dim=(2, 3)))`;

/** The kernel of a weighted (ReLU-conv-BN) cell op, or null for an op without weights. */
export const NB201_OP_KERNEL: Readonly<Record<Nb201Op, 1 | 3 | null>> = {
  none: null, skip_connect: null, nor_conv_1x1: 1, nor_conv_3x3: 3, avg_pool_3x3: null,
};

/**
 * A cell op without weights applied to `x`; null for `none` (the edge contributes nothing). Throws for a weighted
 * op (see NB201_OP_KERNEL) or an unknown name.
 */
export function nb201ParamFreeOpExpr(op: string, x: string): string | null {
  switch (op) {
    case 'none': return null;
    case 'skip_connect': return x;
    case 'avg_pool_3x3': return `F.avg_pool2d(${x}, 3, 1, 1, count_include_pad=False)`;
    default: throw new Error(`NB201 PyTorch: ${JSON.stringify(op)} is not an op without weights`);
  }
}

/** Whether `op` is an NB201 op name. */
export const isNb201Op = (op: string): op is Nb201Op => Object.prototype.hasOwnProperty.call(NB201_OP_KERNEL, op);
