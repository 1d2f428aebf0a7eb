/**
 * The mobile macro-space network's pieces (MnasNet-style, Tan et al., CVPR 2019: MobileNetV1 depthwise-separable and
 * MobileNetV2 inverted-bottleneck blocks, Hu et al.'s squeeze-and-excitation; space/mobile/skeleton.ts,
 * ops/mobile-ops.ts) in PyTorch, written ONCE (torch-layers.ts TorchPiece). The per-genotype exporter (pytorch.ts)
 * unrolls them for one genotype; the Ray Tune job (ray-tune-mobile.ts) builds any genotype from them.
 *   stem     = conv3x3 (stem stride) + BN + ReLU
 *   ds block = depthwise kxk (stride) + BN + ReLU, [SE], pointwise 1x1 + BN
 *   mb block = expand 1x1 (cIn * expand) + BN + ReLU6, depthwise kxk (stride) + BN + ReLU6, [SE], project 1x1 + BN
 *   SE(c)    = global average pool, linear to seChannels(c) + ReLU, linear to c + sigmoid, multiply
 *   residual = block input + block output, when the stride is 1 and the channels do not change
 *   head     = [conv1x1 + BN + ReLU], global average pool, linear
 * Pure engine code: strings only.
 */
import { seChannels } from '../space/mobile/skeleton';
import { bn, conv, depthwise, linear, pyMul, type Py, type TorchPiece } from './torch-layers';

type Act = 'relu' | 'relu6' | 'none';
const act = (a: Act, x: string): string => (a === 'relu' ? `F.relu(${x})` : a === 'relu6' ? `F.relu6(${x})` : x);

/** conv kxk + BN + activation, the layers named `<name>` and `<name>_bn` (`conv`/`bn` when name is ''). */
function convBnAct(name: string, cIn: Py, cOut: Py, k: Py, stride: Py, a: Act): TorchPiece {
  const [c, b] = name === '' ? ['conv', 'bn'] : [name, `${name}_bn`];
  return { layers: [conv(c, cIn, cOut, k, stride), bn(b, cOut)], forward: (l, x) => act(a, `${l(b)}(${l(c)}(${x}))`) };
}

/** Stem: conv3x3 (stride) + BN + ReLU; layers `conv`, `bn`. */
export const mobileStem = (cIn: Py, c: Py, stride: Py): TorchPiece => convBnAct('', cIn, c, 3, stride, 'relu');

/** The head conv: conv1x1 + BN + ReLU; layers `conv`, `bn`. */
export const mobileHeadConv = (cIn: Py, cOut: Py): TorchPiece => convBnAct('', cIn, cOut, 1, 1, 'relu');

/** Depthwise kxk (stride) + BN + activation (ReLU in ds blocks, ReLU6 in mb blocks); layers `dw`, `dw_bn`. */
export const mobileDepthwise = (c: Py, k: Py, stride: Py, a: 'relu' | 'relu6'): TorchPiece => ({
  layers: [depthwise('dw', c, k, stride), bn('dw_bn', c)],
  forward: (l, x) => act(a, `${l('dw_bn')}(${l('dw')}(${x}))`),
});

/** The mb block's expansion: conv1x1 to `hidden` + BN + ReLU6; layers `expand`, `expand_bn`. */
export const mobileExpand = (cIn: Py, hidden: Py): TorchPiece => convBnAct('expand', cIn, hidden, 1, 1, 'relu6');

/** A linear 1x1 conv + BN (no activation): `pw` in ds blocks, `project` in mb blocks. */
export const mobilePointwise = (name: 'pw' | 'project', cIn: Py, cOut: Py): TorchPiece => convBnAct(name, cIn, cOut, 1, 1, 'none');

/** Squeeze-and-excitation on c channels squeezed to `squeeze`; layers `reduce`, `expand`. */
export const mobileSe = (c: Py, squeeze: Py): TorchPiece => ({
  layers: [linear('reduce', c, squeeze), linear('expand', squeeze, c)],
  forward: (l, x, scope) => {
    const s = scope.let(`torch.sigmoid(${l('expand')}(F.relu(${l('reduce')}(${x}.mean(dim=(2, 3))))))`);
    return `${x} * ${s}[:, :, None, None]`;
  },
});

/** SE squeeze width for c channels (space/mobile/skeleton.ts seChannels), or its Python expression. */
export const pySeChannels = (c: Py, reduction: Py): Py =>
  (typeof c === 'number' && typeof reduction === 'number' ? seChannels(c, reduction) : `max(1, ${c} // ${reduction})`);

/** Hidden width of an mb block. */
export const mobileHidden = (cIn: Py, expand: Py): Py => pyMul(cIn, expand);

/** The residual sum of a block's input and output. */
export const mobileResidualExpr = (input: string, output: string): string => `${input} + ${output}`;
