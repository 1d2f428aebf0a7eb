/**
 * One finalist end to end: re-train (retrain.ts) on train/valid, then evaluate once on the locked test split
 * (evaluate-test.ts). The test accessor is called only after training has finished, exactly once; the network
 * is disposed before returning.
 */
import type { TensorSplit } from '../evaluator/tensors';
import { evaluateOnTest, type EvaluateTestOptions, type TestEvaluation } from './evaluate-test';
import { retrainFinalist, type RetrainOptions, type RetrainReport } from './retrain';

export interface FinalistOptions extends RetrainOptions {
  readonly readTest: () => TensorSplit;
  readonly latency?: EvaluateTestOptions['latency'];
}

export interface FinalistResult {
  readonly retrain: RetrainReport;
  readonly test: TestEvaluation;
}

export async function trainAndTestFinalist(o: FinalistOptions): Promise<FinalistResult> {
  const { net, report } = await retrainFinalist(o);
  try {
    const test = await evaluateOnTest({ net, spaceId: o.spaceId, genotype: o.genotype, skeleton: o.skeleton, readTest: o.readTest, batchSize: o.recipe.batchSize * 4, latency: o.latency });
    return { retrain: report, test };
  } finally {
    net.dispose();
  }
}
