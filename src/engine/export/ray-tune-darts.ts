/**
 * The DARTS part of the generated Ray Tune job (Liu, Simonyan & Yang, ICLR 2019; ray-tune.ts): every op, the cell
 * preprocessing and the stem as nn.Module classes made from darts-torch.ts's pieces (the ones the per-genotype
 * exporter pytorch.ts unrolls), the cell and network wiring of space/darts/layout.ts (NetworkCIFAR without the
 * auxiliary head), and the genotype from a trial's config: per cell and intermediate node, its input pair and two
 * ops (the engine's DARTS choices, space/darts/space.ts).
 * Pure engine code: strings only.
 */
import { DARTS_OPS } from '../../shared/space-vocab';
import { DARTS_CONCAT, DARTS_STEPS } from '../space/darts/genotype';
import {
  DARTS_TORCH_OPS, dartsAvgPool, dartsDilConv, dartsFactorizedReduce, dartsMaxPool, dartsReluConvBn, dartsSepConv, dartsStem,
  dartsZero,
} from './darts-torch';
import { py, type RayTuneSpace } from './ray-tune-space';
import { poolLinearHead, PyBody, pyInitLines, pyPieceClass } from './torch-layers';

function network(): string {
  const fwd = new PyBody('        ');
  const stem = fwd.apply(dartsStem('in_channels', 'c_stem'), 'stem', 'x');
  fwd.line(`s0 = s1 = ${stem}`);
  fwd.line('for cell in self.cells:');
  fwd.line('    s0, s1 = s1, cell(s0, s1)');
  const out = fwd.apply(poolLinearHead('c_prev', 'num_classes'), '', 's1');
  return `${pyPieceClass('ReLUConvBN', ['c_in', 'c_out'], ([a, b]) => dartsReluConvBn(a, b), 'ReLU, conv1x1, BN (cell preprocessing).')}


${pyPieceClass('FactorizedReduce', ['c_in', 'c_out'], ([a, b]) => dartsFactorizedReduce(a, b), 'ReLU, two conv1x1 stride 2 (the second shifted by one pixel), concat, BN.')}


${pyPieceClass('SepConv', ['C', 'k', 'stride'], ([c, k, s]) => dartsSepConv(c, k, s), 'Twice (ReLU, depthwise kxk, pointwise 1x1, BN); the stride on the first depthwise.')}


${pyPieceClass('DilConv', ['C', 'k', 'stride'], ([c, k, s]) => dartsDilConv(c, k, s), 'ReLU, depthwise kxk dilation 2, pointwise 1x1, BN.')}


${pyPieceClass('MaxPool', ['stride'], ([s]) => dartsMaxPool(s), 'Max pool 3x3, padding 1.')}


${pyPieceClass('AvgPool', ['stride'], ([s]) => dartsAvgPool(s), 'Average pool 3x3, padding 1, the padded zeros not counted.')}


${pyPieceClass('Zero', ['stride'], ([s]) => dartsZero(s), 'The supernet-only op none: zeros.')}


# Each op of the space as a module on C channels at a stride (2 on a reduction cell's inputs).
OPS = {
${DARTS_OPS.map((op) => `    ${py(op)}: lambda C, stride: ${DARTS_TORCH_OPS[op].module},`).join('\n')}
}


class Cell(nn.Module):
    """Preprocess the two inputs, node k = op(a) + op(b) of two earlier states, output = concat of the nodes."""

    def __init__(self, edges, concat, c_prev_prev, c_prev, C, reduction, reduction_prev):
        super().__init__()
        self.pre0 = FactorizedReduce(c_prev_prev, C) if reduction_prev else ReLUConvBN(c_prev_prev, C)
        self.pre1 = ReLUConvBN(c_prev, C)
        for e, (op, i) in enumerate(edges):
            if op not in OPS:
                raise ValueError("edge %d: unknown DARTS op %r (known: %s)" % (e, op, ", ".join(OPS)))
            if not 0 <= int(i) < 2 + e // 2:
                raise ValueError("edge %d: input %r is not available to node %d" % (e, i, 2 + e // 2))
        self.inputs = [int(i) for _, i in edges]
        self.ops = nn.ModuleList(OPS[op](C, 2 if reduction and int(i) < 2 else 1) for op, i in edges)
        self.concat = [int(i) for i in concat]

    def forward(self, s0, s1):
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(len(self.ops) // 2):
            a, b = 2 * k, 2 * k + 1
            states.append(self.ops[a](states[self.inputs[a]]) + self.ops[b](states[self.inputs[b]]))
        return torch.cat([states[i] for i in self.concat], dim=1)


class Net(nn.Module):
    def __init__(self, genotype, num_classes, in_channels, channels, layers, stem_multiplier):
        super().__init__()
        missing = [k for k in ("normal", "normal_concat", "reduce", "reduce_concat") if not isinstance(genotype, dict) or k not in genotype]
        if missing:
            raise ValueError("a DARTS genotype is {normal, normal_concat, reduce, reduce_concat}; missing %s" % ", ".join(missing))
        if channels % 2:
            raise ValueError("channels must be even (FactorizedReduce splits it in halves), got %d" % channels)
        c_stem = stem_multiplier * channels
${pyInitLines(dartsStem('in_channels', 'c_stem'), 'stem', '        ').join('\n')}
        reductions = sorted({layers // 3, 2 * layers // 3})
        self.downsample = 2 ** len(reductions)
        cells = []
        c_prev_prev, c_prev, C = c_stem, c_stem, channels
        reduction_prev = False
        for index in range(layers):
            reduction = index in reductions
            if reduction:
                C *= 2
            edges, concat = (genotype["reduce"], genotype["reduce_concat"]) if reduction else (genotype["normal"], genotype["normal_concat"])
            cells.append(Cell(edges, concat, c_prev_prev, c_prev, C, reduction, reduction_prev))
            c_prev_prev, c_prev = c_prev, len(concat) * C
            reduction_prev = reduction
        self.cells = nn.ModuleList(cells)
${pyInitLines(poolLinearHead('c_prev', 'num_classes'), '', '        ').join('\n')}

    def forward(self, x):
        if x.shape[2] % self.downsample or x.shape[3] % self.downsample:
            raise ValueError("DARTS: image height and width must be multiples of %d, got %dx%d" % (self.downsample, x.shape[2], x.shape[3]))
${fwd.lines.join('\n')}
        return ${out}


def build_net(genotype, num_classes, in_channels, channels, layers, stem_multiplier):
    """The DARTS network of \`genotype\` ({normal, normal_concat, reduce, reduce_concat}) with C channels per node,
    \`layers\` cells (reductions at layers // 3 and 2 * layers // 3) and a stem of stem_multiplier * C channels."""
    return Net(genotype, num_classes, in_channels, channels, layers, stem_multiplier)`;
}

export const DARTS_RAY_TUNE: RayTuneSpace<'darts'> = {
  title: 'the DARTS cell space (per cell and node: two inputs and two ops)',
  decoder: () => `STEPS = ${DARTS_STEPS}
CONCAT = ${py(DARTS_CONCAT)}


def genotype_from_config(cfg):
    """The DARTS genotype of a trial; per cell and node k the choices are "a,b" (inputs), op of a, op of b."""
    values = [cfg[key] for key in CHOICE_KEYS]
    genotype = {}
    for c, cell in enumerate(["normal", "reduce"]):
        edges = []
        for k in range(STEPS):
            pair, op_a, op_b = values[3 * (c * STEPS + k):3 * (c * STEPS + k) + 3]
            a, b = (int(s) for s in pair.split(","))
            edges += [[op_a, a], [op_b, b]]
        genotype[cell] = edges
        genotype[cell + "_concat"] = list(CONCAT)
    return genotype`,
  network,
};
