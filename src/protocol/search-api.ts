/** The one object the search worker exposes with comlink. */
import type { BackendChoice, BackendReport } from './backend';
import type { SearchEventListener } from './events';
import type { RunConfig, RunForm, RunRecord } from './run';
import type { SpaceCheck } from '../shared/space-check';
import type { SpaceVocabulary } from '../shared/space-vocab';

export type { SpaceCheck } from '../shared/space-check';
export type { SpaceVocabulary } from '../shared/space-vocab';

export interface SearchWorkerApi {
  /** Picks (or, with a name, forces) the tfjs backend; idempotent for the same choice. */
  init(choice: BackendChoice): Promise<BackendReport>;
  /** Makes sure the built-in datasets are in IndexedDB; returns their ids. */
  ensureBuiltinDatasets(baseUrl: string): Promise<string[]>;
  /** Creates a run (from the form's flat layout or a current run config) and searches until the budget is spent or stop() is called. */
  start(config: RunForm | RunConfig, onEvent: SearchEventListener): Promise<RunRecord>;
  /** Continues a stored run from its checkpoint. */
  resume(runId: string, onEvent: SearchEventListener): Promise<RunRecord>;
  /** What the space editor may offer: exactly the ops/blocks the model builder (and exporter) can emit. */
  spaceVocabulary(): Promise<SpaceVocabulary>;
  /** Validates a space config (JSON text or value): the normalised config and its size, or every problem with its path. */
  checkSpace(json: unknown): Promise<SpaceCheck>;
  /** Asks the running search to stop after the current training step; resolves when it has. */
  stop(): Promise<void>;
}
