/**
 * A hand-designed baseline as a ModelSource of the finalists stage (finalists/model-source.ts): built from the
 * engine's own layers with the seeded rng, its params and MACs from the cost counter over the same layout
 * (resnet.ts, mobilenet.ts), so it is re-trained with the finalists' recipe and reported in the same table.
 */
import { baselineName, type BaselineSpec } from '../../shared/baselines';
import type { ModelSource } from '../finalists/model-source';
import { buildMobileNet, mobilenetCost, mobilenetLayout } from './mobilenet';
import { buildResNet, resnetCost, resnetLayout } from './resnet';
import type { BaselineIo } from './size';

export type { BaselineIo } from './size';

export interface BaselineModel extends ModelSource {
  /** Canonical name ("resnet", "mobilenet-0.5"). */
  readonly name: string;
  /** One line saying what the network is. */
  readonly description: string;
}

export function baselineSource(spec: BaselineSpec, io: BaselineIo, depth?: number): BaselineModel {
  const name = baselineName(spec);
  const size = { width: spec.width, ...(depth !== undefined ? { depth } : {}) };
  const widthNote = spec.width === 1 ? '' : `, width x${spec.width}`;
  if (spec.family === 'resnet') {
    const layout = resnetLayout(io, size);
    const c = resnetCost(layout);
    const stages = layout.halvings + 1;
    const perStage = layout.blocks.length / stages;
    return {
      name,
      description: `ResNet-${6 * perStage + 2} (He et al. 2016): ${stages} stages x ${perStage} basic blocks, widths ${[...new Set(layout.blocks.map((b) => b.cOut))].join('/')}${widthNote}`,
      build: (rng) => buildResNet(layout, rng),
      cost: { params: c.params, macs: c.flops, numClasses: io.numClasses },
    };
  }
  const layout = mobilenetLayout(io, size);
  const c = mobilenetCost(layout);
  return {
    name,
    description: `MobileNetV2-style (Sandler et al. 2018): ${layout.blocks.length} inverted residual blocks, widths ${[...new Set(layout.blocks.map((b) => b.cOut))].join('/')}, head ${layout.headChannels}${widthNote}`,
    build: (rng) => buildMobileNet(layout, rng),
    cost: { params: c.params, macs: c.flops, numClasses: io.numClasses },
  };
}
