/**
 * Downloads of a registry model, built in the worker from its stored weights: the network is rebuilt from its
 * genotype and skeleton through the space table, the trained weights are loaded into it, and the engine's exporters
 * (engine/export/) write it as a tfjs LayersModel (model.json + weight file, for tf.loadLayersModel) or as PyTorch
 * code + weights. Each download is one zip holding a folder of those files and a short README.
 */
import { strToU8, zipSync } from 'fflate';
import { getModel, getModelWeights, isSearchedModel, type Db } from '../src/db';
import type { ExportedFile, ExportFormat, ModelRecord, SearchedModelFields } from '../src/protocol/finalists-api';
import { parseBaselineName } from '../src/shared/baselines';
import { baselineSource } from '../src/engine/baselines/source';
import { encodeWeights, exportPytorch } from '../src/engine/export/pytorch';
import { exportTfjsLayers, tfjsExportFiles } from '../src/engine/export/tfjs-layers';
import { loadWeights } from '../src/engine/finalists/retrain-state';
import type { Network } from '../src/engine/model/network';
import { spaceEntry, type GenotypeOf, type SkeletonOf, type SpaceId } from '../src/engine/space/table';
import { createRng } from '../src/engine/util/rng';

export const PYTORCH_WEIGHTS_FILE = 'weights.bin';

/** Why a registry model has no download (hand-designed networks are not written by the space exporters), or null. */
export function exportUnavailable(m: ModelRecord): string | null {
  return isSearchedModel(m) ? null : `No download for ${m.kind === 'student' ? 'a student built from' : 'the hand-designed baseline'} ${m.baseline}: the exporters write networks of the search spaces only`;
}

/** A file-name stem for a model: run name, candidate id, first part of its id. */
export function exportStem(m: Pick<ModelRecord, 'runName' | 'jobId'> & Pick<SearchedModelFields, 'candidateId'>): string {
  const run = m.runName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${run}-c${m.candidateId}-${m.jobId.slice(0, 8)}`;
}

/** The registry model as a trained network (the caller disposes it). */
export async function networkOfModel(db: Db, modelId: string): Promise<{ model: ModelRecord; net: Network }> {
  const model = await getModel(db, modelId);
  if (!model) throw new Error(`Model "${modelId}" is not in the registry`);
  if (model.imported) throw new Error(`Model of ${isSearchedModel(model) ? `candidate ${model.candidateId}` : model.key} of "${model.runName}" was ${model.imported.reason}`);
  const weights = await getModelWeights(db, modelId);
  if (!weights) throw new Error(`The weights of model "${modelId}" are missing from the registry`);
  const net = isSearchedModel(model)
    ? spaceEntry(model.space).buildNetwork(model.genotype, model.skeleton, createRng(0))
    : baselineSource(parseBaselineName(model.baseline), { inputShape: model.inputShape, numClasses: model.classes.length }).build(createRng(0));
  try {
    if (weights.params.length !== net.params.length || weights.buffers.length !== net.buffers.length) {
      throw new Error(`The stored weights of model "${modelId}" do not fit its network (${weights.params.length}/${weights.buffers.length} tensors stored, ${net.params.length}/${net.buffers.length} built)`);
    }
    loadWeights(net, { params: [...weights.params], buffers: [...weights.buffers] });
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { model, net };
}

function readme(m: ModelRecord & SearchedModelFields, format: ExportFormat): string {
  const t = m.report.test;
  const lines = [
    `Model: candidate ${m.candidateId} of run "${m.runName}" (space ${m.space}), re-trained ${m.report.retrain.epochs} epochs with seed ${m.seed}.`,
    `Architecture: ${m.arch}`,
    `Hash: ${m.hash}`,
    `Classes (logit order): ${m.classes.join(', ')}`,
    `TEST accuracy ${(t.accuracy * 100).toFixed(2)}% on ${t.count} test images (read once), ${m.report.params} parameters, ${m.report.macs} MACs.`,
    'Input: the image as float32, each channel normalised with the training split\'s mean and std (as in the app).',
    '',
    format === 'tfjs'
      ? 'Load with TensorFlow.js: tf.loadLayersModel(\'<url of this folder>/model.json\'); input NHWC [n, h, w, c].'
      : `Load with PyTorch: import model; net = model.load('${PYTORCH_WEIGHTS_FILE}'); logits = net(x) with x NCHW [n, c, h, w].`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One zip with the model in `format`, named after the model. */
export async function exportModelZip(db: Db, modelId: string, format: ExportFormat): Promise<ExportedFile> {
  const found = await getModel(db, modelId);
  const why = found && exportUnavailable(found);
  if (why) throw new Error(why);
  const { model, net } = await networkOfModel(db, modelId);
  try {
    if (!isSearchedModel(model)) throw new Error(`Model "${modelId}" is not a genotype of a search space`);
    const space = model.space as SpaceId;
    const genotype = model.genotype as GenotypeOf<SpaceId>;
    const skeleton = model.skeleton as SkeletonOf<SpaceId>;
    const stem = exportStem(model);
    const files: Record<string, Uint8Array> = { 'README.txt': strToU8(readme(model, format)) };
    if (format === 'tfjs') {
      for (const f of tfjsExportFiles(await exportTfjsLayers(net, space, genotype, skeleton))) files[f.name] = typeof f.data === 'string' ? strToU8(f.data) : f.data;
    } else if (format === 'pytorch') {
      const e = await exportPytorch(net, space, genotype, skeleton);
      files['model.py'] = strToU8(e.source);
      files[PYTORCH_WEIGHTS_FILE] = encodeWeights(e.weights);
    } else {
      throw new Error(`Unknown export format ${JSON.stringify(format)} (tfjs or pytorch)`);
    }
    const folder = `${stem}-${format}`;
    const bytes = zipSync({ [folder]: files }, { level: 6, mtime: new Date(2000, 0, 1) });
    return { name: `${folder}.zip`, bytes };
  } finally {
    net.dispose();
  }
}
