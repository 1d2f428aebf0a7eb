/**
 * The check both exporters (pytorch.ts, tfjs-layers.ts) run before writing anything: the variables their layout walk
 * expects, in the builder's creation order, against the network's `params` / `buffers`, by count and shape. A network
 * built from another genotype or skeleton fails here with the first mismatching variable named.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One variable an exporter's walk expects: its exported name and the engine shape. */
export interface ExpectedVariable {
  readonly name: string;
  readonly engineShape: readonly number[];
}

/** Throws `${exporter}: ...` when `vars` do not match `expected` in count or in any shape. */
export function checkNetworkVariables(
  exporter: string,
  spaceId: string,
  kind: 'params' | 'buffers',
  expected: readonly ExpectedVariable[],
  vars: readonly tf.Variable[],
): void {
  if (expected.length !== vars.length) {
    throw new Error(`${exporter}: the ${spaceId} layout has ${expected.length} ${kind} but the network has ${vars.length} (built from another genotype or skeleton?)`);
  }
  expected.forEach((slot, i) => {
    const shape = vars[i].shape;
    if (shape.length !== slot.engineShape.length || shape.some((n, j) => n !== slot.engineShape[j])) {
      throw new Error(`${exporter}: ${kind}[${i}] (${slot.name}) has shape [${shape.join(', ')}], the layout expects [${slot.engineShape.join(', ')}]`);
    }
  });
}
