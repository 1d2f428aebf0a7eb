/**
 * The DARTS network's pieces (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019;
 * space/darts/skeleton.ts, ops/darts-ops.ts) in PyTorch, written ONCE (torch-layers.ts TorchPiece): the stem, the
 * cell preprocessing (ReLU-conv1x1-BN, FactorizedReduce) and every op of DARTS_OPS. The per-genotype exporter
 * (pytorch.ts) unrolls them for one genotype; the Ray Tune job (ray-tune-darts.ts) turns each into an nn.Module
 * class and builds any genotype from them. Semantics: sep_conv_kxk = twice (ReLU, depthwise kxk, pointwise 1x1, BN),
 * the stride on the first depthwise only; dil_conv_kxk = ReLU, depthwise kxk dilation 2, pointwise 1x1, BN; 3x3
 * pools with padding 1 (average without the padded zeros); skip_connect = identity, or FactorizedReduce at stride 2;
 * FactorizedReduce = ReLU, two conv1x1 stride 2 (the second on the input shifted by one pixel), concat, BN.
 * Pure engine code: strings only.
 */
import type { DartsOp } from '../../shared/space-vocab';
import { bn, conv, depthwise, pyHalf, type Py, type TorchPiece } from './torch-layers';

/** Stem: conv3x3 -> BN, no activation. */
export const dartsStem = (cIn: Py, c: Py): TorchPiece => ({
  layers: [conv('conv', cIn, c, 3), bn('bn', c)],
  forward: (l, x) => `${l('bn')}(${l('conv')}(${x}))`,
});

/** Cell preprocessing: ReLU -> conv1x1 -> BN. */
export const dartsReluConvBn = (cIn: Py, cOut: Py): TorchPiece => ({
  layers: [conv('conv', cIn, cOut, 1), bn('bn', cOut)],
  forward: (l, x) => `${l('bn')}(${l('conv')}(F.relu(${x})))`,
});

/** FactorizedReduce(cIn, cOut): halves the resolution; cOut is even. */
export const dartsFactorizedReduce = (cIn: Py, cOut: Py): TorchPiece => ({
  layers: [conv('conv1', cIn, pyHalf(cOut), 1, 2), conv('conv2', cIn, pyHalf(cOut), 1, 2), bn('bn', cOut)],
  forward: (l, x, scope) => {
    const r = scope.let(`F.relu(${x})`);
    return `${l('bn')}(torch.cat([${l('conv1')}(${r}), ${l('conv2')}(${r}[:, :, 1:, 1:])], dim=1))`;
  },
});

export const dartsSepConv = (C: Py, k: Py, stride: Py): TorchPiece => ({
  layers: [
    depthwise('dw1', C, k, stride), conv('pw1', C, C, 1), bn('bn1', C),
    depthwise('dw2', C, k, 1), conv('pw2', C, C, 1), bn('bn2', C),
  ],
  forward: (l, x) => `${l('bn2')}(${l('pw2')}(${l('dw2')}(F.relu(${l('bn1')}(${l('pw1')}(${l('dw1')}(F.relu(${x}))))))))`,
});

export const dartsDilConv = (C: Py, k: Py, stride: Py): TorchPiece => ({
  layers: [depthwise('dw', C, k, stride, 2), conv('pw', C, C, 1), bn('bn', C)],
  forward: (l, x) => `${l('bn')}(${l('pw')}(${l('dw')}(F.relu(${x}))))`,
});

export const dartsMaxPool = (stride: Py): TorchPiece => ({ layers: [], forward: (_, x) => `F.max_pool2d(${x}, 3, ${stride}, 1)` });

export const dartsAvgPool = (stride: Py): TorchPiece => ({
  layers: [], forward: (_, x) => `F.avg_pool2d(${x}, 3, ${stride}, 1, count_include_pad=False)`,
});

/** `none` (the supernet's zero op): zeros at the output resolution. */
export const dartsZero = (stride: Py): TorchPiece => ({
  layers: [], forward: (_, x) => (stride === 1 ? `torch.zeros_like(${x})` : `torch.zeros_like(${x}[:, :, ::${stride}, ::${stride}])`),
});

export const dartsIdentity: TorchPiece = { layers: [], forward: (_, x) => x };

export interface DartsTorchOp {
  /** The op on C channels at this stride (1, or 2 on a reduction cell's inputs). */
  readonly piece: (C: Py, stride: 1 | 2) => TorchPiece;
  /** The Python expression building the op as a module of the Tune job's classes, from `C` and `stride`. */
  readonly module: string;
}

/** Every DARTS op: its piece and the Tune job's module for it (ray-tune-darts.ts defines the classes). */
export const DARTS_TORCH_OPS: Readonly<Record<DartsOp, DartsTorchOp>> = {
  none: { piece: (_, s) => dartsZero(s), module: 'Zero(stride)' },
  max_pool_3x3: { piece: (_, s) => dartsMaxPool(s), module: 'MaxPool(stride)' },
  avg_pool_3x3: { piece: (_, s) => dartsAvgPool(s), module: 'AvgPool(stride)' },
  skip_connect: { piece: (C, s) => (s === 1 ? dartsIdentity : dartsFactorizedReduce(C, C)), module: 'nn.Identity() if stride == 1 else FactorizedReduce(C, C)' },
  sep_conv_3x3: { piece: (C, s) => dartsSepConv(C, 3, s), module: 'SepConv(C, 3, stride)' },
  sep_conv_5x5: { piece: (C, s) => dartsSepConv(C, 5, s), module: 'SepConv(C, 5, stride)' },
  dil_conv_3x3: { piece: (C, s) => dartsDilConv(C, 3, s), module: 'DilConv(C, 3, stride)' },
  dil_conv_5x5: { piece: (C, s) => dartsDilConv(C, 5, s), module: 'DilConv(C, 5, stride)' },
};

/** The piece of a DARTS op by name; throws for an unknown name. */
export function dartsOpPiece(op: string, C: Py, stride: 1 | 2): TorchPiece {
  if (!Object.prototype.hasOwnProperty.call(DARTS_TORCH_OPS, op)) throw new Error(`unknown DARTS op ${JSON.stringify(op)}`);
  return DARTS_TORCH_OPS[op as DartsOp].piece(C, stride);
}
