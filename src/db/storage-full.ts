/**
 * Recognising "storage is full" after the fact: the browser's QuotaExceededError, or the message
 * describeStorageError (schema.ts) made of it, anywhere in an error's cause chain (the search core wraps a failed
 * candidate write in a CandidateSaveError whose cause is the storage error). A host that meets it pauses its run at
 * the last stored state instead of failing it: nothing is wrong with the run, and once there is room it resumes.
 */
import { describeStorageError } from './schema';

const FULL = /^Storage is full while /;

/** The "Storage is full while …" message of `e` or of an error in its cause chain; null when it is not that. */
export function storageFullMessage(e: unknown): string | null {
  const seen = new Set<unknown>();
  for (let x: unknown = e; x !== null && x !== undefined && !seen.has(x); x = (x as { cause?: unknown }).cause) {
    seen.add(x);
    const { name, message } = x as { name?: unknown; message?: unknown };
    if (name === 'QuotaExceededError') return describeStorageError(x, 'saving').message;
    if (typeof message === 'string' && FULL.test(message)) return message;
    if (typeof x !== 'object') break;
  }
  return null;
}
