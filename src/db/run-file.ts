/**
 * A stored Search-tab run as a run file (src/shared/run-file.ts) and back: `exportRunFile` reads the run, its
 * candidates (with lineage) and its checkpoint from IndexedDB; `importRunFile` validates a file and stores it as
 * a NEW run (a fresh id, never overwriting one), its candidates and its checkpoint in one transaction, so the
 * imported run lists, shows its candidates and resumes on the same trajectory as the original.
 * The run's registry models travel as the file's `finalists` (no weights) and come back as imported model records
 * of the new run, in the same transaction (src/db/run-file-models.ts).
 * Kept here (not in the app) so a worker or a script could reuse it.
 */
import type { BackendName } from '../protocol/backend';
import type { CandidateRecord, CheckpointRecord, RunConfig, RunRecord, RunStatus } from '../protocol/run';
import { COST_METRICS, type CostMetric } from '../shared/metrics';
import { parseRunFile, RUN_FILE_FORMAT, RUN_FILE_VERSION, RunFileError, type RunFile, type RunFileCandidate } from '../shared/run-file';
import { CANDIDATE_RECORD_VERSION, getCheckpoint, getRun, listCandidates, RUN_RECORD_VERSION } from './runs';
import { listModels } from './models';
import { importedModelRecords, runFileFinalists } from './run-file-models';
import { describeStorageError, type Db } from './schema';

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const isBackend = (b: unknown): b is BackendName => BACKENDS.includes(b as BackendName);

/** The run file of a stored run (throws when the run does not exist). */
export async function exportRunFile(db: Db, runId: string, now: Date = new Date()): Promise<RunFile> {
  const run = await getRun(db, runId);
  if (!run) throw new Error(`run "${runId}" is not stored in this browser`);
  const candidates = await listCandidates(db, runId);
  const cp = await getCheckpoint(db, runId);
  const fileCandidates = candidates.map((c): RunFileCandidate => ({
    id: c.id, arch: c.arch, hash: c.hash, genotype: c.genotype, metrics: c.metrics, objective: c.objective, feasible: c.feasible, parents: c.parents, ...(c.error !== undefined ? { error: c.error } : {}),
  }));
  const finalists = runFileFinalists((await listModels(db)).filter((m) => m.runId === runId), fileCandidates);
  return {
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    kind: 'search',
    exportedAt: now.toISOString(),
    config: run.config,
    backend: run.backend ?? candidates.at(-1)?.backend ?? null,
    status: run.status,
    candidates: fileCandidates,
    checkpoint: cp ? { version: cp.version, nextId: cp.nextId, strategy: cp.strategy } : null,
    ...(finalists.length > 0 ? { finalists } : {}),
  };
}

/** A file name for the download: the run's name, made safe. */
export function runFileName(file: RunFile): string {
  const base = file.config.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `${base}.nas-run.json`;
}

/** Ids on the accuracy-vs-cost front of the feasible candidates (valid_acc max, cost min; a missing cost is Infinity), by ascending cost. */
function paretoIdsOf(candidates: readonly RunFileCandidate[], cost: string): number[] {
  const pts = candidates.filter((c) => c.feasible).map((c) => ({ id: c.id, acc: c.metrics.valid_acc ?? -Infinity, cost: c.metrics[cost] ?? Infinity }));
  const dominated = (a: { acc: number; cost: number }, b: { acc: number; cost: number }) => b.acc >= a.acc && b.cost <= a.cost && (b.acc > a.acc || b.cost < a.cost);
  return pts.filter((p) => !pts.some((q) => dominated(p, q))).sort((a, b) => a.cost - b.cost || a.id - b.id).map((p) => p.id);
}

/** The Search tab hosts runs that train their candidates with a query budget and a front against a cost metric. */
function tabConfig(config: RunFile['config']): RunConfig {
  const issues: string[] = [];
  if (config.evaluator.kind !== 'train') issues.push('config.evaluator.kind: the Search tab trains its candidates; a tabular run file resumes in the headless runner (npm run search -- --resume FILE)');
  if (config.budget.queries === undefined) issues.push('config.budget.queries: the Search tab needs a number of candidates');
  if (config.pareto === undefined || !COST_METRICS.includes(config.pareto.cost as CostMetric)) issues.push(`config.pareto.cost: the Search tab draws its front against ${COST_METRICS.join(', ')}`);
  if (issues.length > 0) throw new RunFileError(issues);
  return config as RunConfig;
}

/**
 * Validates a parsed run file and stores it as a new run with a fresh id (never overwriting a stored run):
 * the run record, every candidate and the checkpoint in one transaction. A run that was running when exported
 * is stored paused. The file's finalists become imported models of the new run (one per candidate and recipe; an
 * entry without seed or recipe is left out). Returns the new run.
 */
export async function importRunFile(db: Db, input: unknown, newId: () => string = () => crypto.randomUUID(), now: number = Date.now()): Promise<RunRecord> {
  const file = parseRunFile(input);
  const config = tabConfig(file.config);
  let id = newId();
  for (let tries = 0; (await getRun(db, id)) !== undefined; tries++) {
    if (tries >= 5) throw new Error(`importing run "${config.name}": could not find a free run id`);
    id = newId();
  }
  const backend: BackendName = isBackend(file.backend) ? file.backend : 'cpu';
  const status: RunStatus = file.status === 'running' || file.status === 'interrupted' ? 'paused' : file.status === 'created' ? 'created' : file.status as RunStatus;
  const run: RunRecord = {
    version: RUN_RECORD_VERSION, id, config, status, createdAt: now, updatedAt: now, completed: file.candidates.length,
    paretoIds: paretoIdsOf(file.candidates, config.pareto.cost), ...(isBackend(file.backend) ? { backend: file.backend } : {}),
  };
  const candidates: CandidateRecord[] = file.candidates.map((c) => ({
    version: CANDIDATE_RECORD_VERSION, runId: id, id: c.id, arch: c.arch, hash: c.hash, space: config.space.space, genotype: c.genotype ?? null,
    metrics: c.metrics, objective: c.objective, feasible: c.feasible, parents: c.parents, curve: [], ...(c.error !== undefined ? { error: c.error } : {}), backend, createdAt: now,
  }));
  const checkpoint: CheckpointRecord | null = file.checkpoint ? { ...file.checkpoint, runId: id, updatedAt: now } : null;
  const run0 = { source: 'search' as const, name: config.name, space: config.space.space, datasetId: config.evaluator.kind === 'train' ? config.evaluator.dataset : '' };
  const { models } = importedModelRecords({ runId: id, run: run0, exportedAt: file.exportedAt, finalists: file.finalists ?? [], candidates: file.candidates, now });
  const tx = db.transaction(['runs', 'candidates', 'checkpoints', 'models'], 'readwrite');
  try {
    await Promise.all([
      tx.objectStore('runs').add(run),
      ...candidates.map((c) => tx.objectStore('candidates').add(c)),
      ...(checkpoint ? [tx.objectStore('checkpoints').add(checkpoint)] : []),
      ...models.map((m) => tx.objectStore('models').put(m)),
      tx.done,
    ]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished */ }
    throw describeStorageError(e, `importing run "${config.name}"`);
  }
  return run;
}
