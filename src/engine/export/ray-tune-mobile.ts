/**
 * The mobile macro-space part of the generated Ray Tune job (MnasNet-style, Tan et al., CVPR 2019; ray-tune.ts):
 * the ds and mb blocks, squeeze-and-excitation, stem and head as nn.Module classes made from mobile-torch.ts's
 * pieces (the ones the per-genotype exporter pytorch.ts unrolls), the stage wiring of space/mobile/layout.ts, and
 * the genotype from a trial's config: per stage its block, kernel, SE, width and depth (the engine's mobile choices,
 * space/mobile/space.ts); each stage's stride is fixed by the space config.
 * Pure engine code: strings only.
 */
import {
  mobileDepthwise, mobileExpand, mobileHeadConv, mobileHidden, mobilePointwise, mobileResidualExpr, mobileSe, mobileStem,
  pySeChannels,
} from './mobile-torch';
import { py, type RayTuneSpace } from './ray-tune-space';
import { poolLinearHead, PyBody, pyInitLines, pyPieceClass } from './torch-layers';

const I2 = '        ';

function dsBlock(): string {
  const f = new PyBody(I2);
  f.line(`y = ${f.apply(mobileDepthwise('c_in', 'kernel', 'stride', 'relu'), '', 'x')}`);
  f.line('if self.se is not None:');
  f.line('    y = self.se(y)');
  f.line(`y = ${f.apply(mobilePointwise('pw', 'c_in', 'c_out'), '', 'y')}`);
  return `class DSBlock(nn.Module):
    """Depthwise kxk (stride) + BN + ReLU, [SE], pointwise 1x1 + BN; residual when stride 1 and c_in == c_out."""

    def __init__(self, c_in, c_out, kernel, stride, se, se_reduction):
        super().__init__()
${pyInitLines(mobileDepthwise('c_in', 'kernel', 'stride', 'relu'), '', I2).join('\n')}
        self.se = SE(c_in, ${pySeChannels('c_in', 'se_reduction')}) if se else None
${pyInitLines(mobilePointwise('pw', 'c_in', 'c_out'), '', I2).join('\n')}
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
${f.lines.join('\n')}
        return ${mobileResidualExpr('x', 'y')} if self.residual else y`;
}

function mbBlock(): string {
  const f = new PyBody(I2);
  f.line(`y = ${f.apply(mobileExpand('c_in', 'hidden'), '', 'x')}`);
  f.line(`y = ${f.apply(mobileDepthwise('hidden', 'kernel', 'stride', 'relu6'), '', 'y')}`);
  f.line('if self.se is not None:');
  f.line('    y = self.se(y)');
  f.line(`y = ${f.apply(mobilePointwise('project', 'hidden', 'c_out'), '', 'y')}`);
  return `class MBBlock(nn.Module):
    """Expand 1x1 + BN + ReLU6, depthwise kxk (stride) + BN + ReLU6, [SE], project 1x1 + BN; residual as DSBlock."""

    def __init__(self, c_in, c_out, expand, kernel, stride, se, se_reduction):
        super().__init__()
        hidden = ${mobileHidden('c_in', 'expand')}
${pyInitLines(mobileExpand('c_in', 'hidden'), '', I2).join('\n')}
${pyInitLines(mobileDepthwise('hidden', 'kernel', 'stride', 'relu6'), '', I2).join('\n')}
        self.se = SE(hidden, ${pySeChannels('hidden', 'se_reduction')}) if se else None
${pyInitLines(mobilePointwise('project', 'hidden', 'c_out'), '', I2).join('\n')}
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
${f.lines.join('\n')}
        return ${mobileResidualExpr('x', 'y')} if self.residual else y`;
}

function network(): string {
  const f = new PyBody(I2);
  f.line(`h = ${f.apply(mobileStem('in_channels', 'stem_channels', 'stem_stride'), 'stem', 'x')}`);
  f.line('h = self.blocks(h)');
  f.line('if self.has_head_conv:');
  const head = new PyBody(`${I2}    `);
  head.line(`h = ${head.apply(mobileHeadConv('c', 'c_head'), 'head', 'h')}`);
  f.lines.push(...head.lines);
  const out = f.apply(poolLinearHead('c', 'num_classes'), '', 'h');
  return `${pyPieceClass('SE', ['c', 'squeeze'], ([c, s]) => mobileSe(c, s), 'Squeeze-and-excitation: global average pool, linear + ReLU, linear + sigmoid, scale.')}


${dsBlock()}


${mbBlock()}


class Net(nn.Module):
    def __init__(self, genotype, num_classes, in_channels, stem_channels, stem_stride, head_multiplier, se_reduction):
        super().__init__()
        stages = genotype.get("stages") if isinstance(genotype, dict) else None
        if not isinstance(stages, (list, tuple)) or not stages:
            raise ValueError("a mobile genotype is {\\"stages\\": [{block, expand, kernel, se, width, depth, stride}, ...]}, got %r" % (genotype,))
${pyInitLines(mobileStem('in_channels', 'stem_channels', 'stem_stride'), 'stem', I2).join('\n')}
        blocks = []
        c = stem_channels
        for s, stage in enumerate(stages):
            for b in range(int(stage["depth"])):
                stride = int(stage["stride"]) if b == 0 else 1
                width = int(stage["width"])
                if stage["block"] == "ds":
                    blocks.append(DSBlock(c, width, int(stage["kernel"]), stride, bool(stage["se"]), se_reduction))
                elif stage["block"] == "mb":
                    blocks.append(MBBlock(c, width, int(stage["expand"]), int(stage["kernel"]), stride, bool(stage["se"]), se_reduction))
                else:
                    raise ValueError("stages[%d].block must be \\"ds\\" or \\"mb\\", got %r" % (s, stage["block"]))
                c = width
        self.blocks = nn.Sequential(*blocks)
        self.has_head_conv = head_multiplier > 0
        if self.has_head_conv:
            c_head = head_multiplier * c
${pyInitLines(mobileHeadConv('c', 'c_head'), 'head', `${I2}    `).join('\n')}
            c = c_head
${pyInitLines(poolLinearHead('c', 'num_classes'), '', I2).join('\n')}

    def forward(self, x):
${f.lines.join('\n')}
        return ${out}


def build_net(genotype, num_classes, in_channels, stem_channels, stem_stride, head_multiplier, se_reduction):
    """The mobile network of \`genotype\` ({"stages": [...]}, the playground's form): stem conv3x3 (stem_stride) to
    stem_channels, the stages' blocks, a head conv1x1 to head_multiplier x the last width (none when 0), a linear."""
    return Net(genotype, num_classes, in_channels, stem_channels, stem_stride, head_multiplier, se_reduction)`;
}

export const MOBILE_RAY_TUNE: RayTuneSpace<'mobile'> = {
  title: 'the mobile macro space (per stage: block, kernel, SE, width, depth)',
  decoder: (config) => `# The stride of each stage's first block, fixed by the space.
STRIDES = ${py(config.strides)}


def genotype_from_config(cfg):
    """The mobile genotype of a trial; per stage the choices are block (ds, mb<expand>), kernel, se (on/off), width, depth."""
    values = [cfg[key] for key in CHOICE_KEYS]
    stages = []
    for s, stride in enumerate(STRIDES):
        block, kernel, se, width, depth = values[5 * s:5 * s + 5]
        stages.append({"block": "ds" if block == "ds" else "mb", "expand": 1 if block == "ds" else int(block[2:]),
                       "kernel": int(kernel), "se": se == "on", "width": int(width), "depth": int(depth), "stride": stride})
    return {"stages": stages}`,
  network,
};
