/**
 * The NAS-Bench-201 part of the generated Ray Tune job (Dong & Yang, ICLR 2020; ray-tune.ts): the cell network of
 * any genotype in PyTorch, its layers and forward expressions taken from nb201-torch.ts (the fragments the
 * per-genotype exporter pytorch.ts unrolls), so a genotype built here has the engine's parameter count and op
 * semantics; and the genotype `{"ops": [6 op names]}` from a trial's config (one choice per edge).
 * Pure engine code: strings only.
 */
import { NB201_EDGES } from '../../shared/space-vocab';
import {
  NB201_OP_KERNEL, nb201HeadExpr, nb201ParamFreeOpExpr, nb201ReductionExpr, nb201ReluConvBnExpr, nb201StemExpr,
  torchBn, torchConv,
} from './nb201-torch';
import { py, type RayTuneSpace } from './ray-tune-space';

function network(): string {
  const weighted = Object.entries(NB201_OP_KERNEL).filter(([, k]) => k !== null);
  const free = Object.entries(NB201_OP_KERNEL).filter(([op, k]) => k === null && op !== 'none');
  return `# Cell edges (from node, to node) in genotype order.
EDGES = ${py(NB201_EDGES.map(([a, b]) => [a, b]))}


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, k, stride):
        super().__init__()
        self.conv = ${torchConv('c_in', 'c_out', 'k', 'stride', '(k - 1) // 2')}
        self.bn = ${torchBn('c_out')}

    def forward(self, x):
        return ${nb201ReluConvBnExpr('self.conv', 'self.bn', 'x')}


OP_KERNEL = ${py(Object.fromEntries(weighted))}


class EdgeOp(nn.Module):
    """One cell edge; \`none\` edges are never built (they add nothing)."""

    def __init__(self, op, C):
        super().__init__()
        self.op = op
        if op in OP_KERNEL:
            self.body = ReLUConvBN(C, C, OP_KERNEL[op], 1)
        elif op not in ${py(free.map(([op]) => op))}:
            raise ValueError("unknown NB201 op %r" % (op,))

    def forward(self, x):
${free.map(([op]) => `        if self.op == ${py(op)}:\n            return ${nb201ParamFreeOpExpr(op, 'x')}`).join('\n')}
        return self.body(x)


class Cell(nn.Module):
    """node j = sum of its edges from non-empty nodes (a node without live input is empty); output = node 3."""

    def __init__(self, ops, C):
        super().__init__()
        self.ops = list(ops)
        self.edges = nn.ModuleDict({str(e): EdgeOp(op, C) for e, op in enumerate(self.ops) if op != "none"})

    def forward(self, h):
        nodes = [h, None, None, None]
        for j in range(1, 4):
            terms = [self.edges[str(e)](nodes[i]) for e, (i, to) in enumerate(EDGES)
                     if to == j and self.ops[e] != "none" and nodes[i] is not None]
            nodes[j] = sum(terms[1:], terms[0]) if terms else None
        return nodes[3] if nodes[3] is not None else torch.zeros_like(h)


class Reduction(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = ReLUConvBN(c_in, c_out, 3, 2)
        self.b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = ${torchConv('c_in', 'c_out', 1, 1, 0)}

    def forward(self, x):
        return ${nb201ReductionExpr('self.b(self.a(x))', 'self.shortcut', 'x')}


class Net(nn.Module):
    def __init__(self, genotype, num_classes, in_channels, channels, cells_per_stage):
        super().__init__()
        ops = genotype.get("ops") if isinstance(genotype, dict) else None
        if not isinstance(ops, (list, tuple)) or len(ops) != len(EDGES):
            raise ValueError("an NB201 genotype is {\\"ops\\": [%d op names]}, got %r" % (len(EDGES), genotype))
        C = channels
        self.stem_conv = ${torchConv('in_channels', 'C', 3, 1, 1)}
        self.stem_bn = ${torchBn('C')}
        body = []
        for stage, c in enumerate([C, 2 * C, 4 * C]):
            if stage > 0:
                body.append(Reduction(c // 2, c))
            body.extend(Cell(ops, c) for _ in range(cells_per_stage))
        self.body = nn.Sequential(*body)
        self.head_bn = ${torchBn('4 * C')}
        self.classifier = nn.Linear(4 * C, num_classes, bias=True)

    def forward(self, x):
        h = self.body(${nb201StemExpr('self.stem_conv', 'self.stem_bn', 'x')})
        return ${nb201HeadExpr('self.head_bn', 'self.classifier', 'h')}


def build_net(genotype, num_classes, in_channels, channels, cells_per_stage):
    """The NB201 network of \`genotype\` ({"ops": 6 op names in EDGES order}) with C channels and N cells per stage."""
    return Net(genotype, num_classes, in_channels, channels, cells_per_stage)`;
}

export const NB201_RAY_TUNE: RayTuneSpace<'nb201'> = {
  title: 'the NAS-Bench-201 cell space (one op per cell edge)',
  decoder: () => `def genotype_from_config(cfg):
    """The NB201 genotype {"ops": [...]} of a trial: one op per cell edge."""
    return {"ops": [cfg[key] for key in CHOICE_KEYS]}`,
  network,
};
