/** Progress events from the search worker (sent through a comlink proxy callback). */
import type { BackendLostEvent, BackendReport } from './backend';
import type { CandidateRecord, RunRecord } from './run';

export type SearchEvent =
  | { readonly type: 'backend'; readonly report: BackendReport }
  | { readonly type: 'run'; readonly run: RunRecord }
  | { readonly type: 'candidate-start'; readonly runId: string; readonly id: number; readonly arch: string }
  | { readonly type: 'epoch'; readonly runId: string; readonly id: number; readonly epoch: number; readonly epochs: number; readonly trainLoss: number; readonly validAcc: number; readonly flops?: number }
  | { readonly type: 'candidate'; readonly record: CandidateRecord }
  /** The run record as stored with a committed candidate (its `completed` and `paretoIds` moved on). */
  | { readonly type: 'committed'; readonly run: RunRecord }
  | { readonly type: 'progress'; readonly runId: string; readonly done: number; readonly total: number; readonly elapsedMs: number; readonly etaMs: number | null }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string }
  | BackendLostEvent;

export type SearchEventListener = (e: SearchEvent) => void;
