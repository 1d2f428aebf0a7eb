/**
 * Recognising a full storage after the fact (src/db/storage-full.ts): the browser's QuotaExceededError, the message
 * describeStorageError made of it, and either one as the cause of the search core's CandidateSaveError; anything
 * else is not "storage full" (a host fails the run for it as before).
 */
import { describe, expect, it } from 'vitest';
import { describeStorageError } from '../../src/db/schema';
import { storageFullMessage } from '../../src/db/storage-full';
import { CandidateSaveError } from '../../src/engine/search/loop';

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('storageFullMessage', () => {
  it('names a full storage however it arrives', () => {
    const described = describeStorageError(quota(), 'saving candidate 3 of run "r"');
    expect(storageFullMessage(described)).toBe(described.message);
    expect(storageFullMessage(described)).toMatch(/^Storage is full while saving candidate 3 of run "r": /);
    expect(storageFullMessage(new CandidateSaveError(3, described))).toBe(described.message);
    expect(storageFullMessage(quota())).toMatch(/^Storage is full while saving: /);
    // A message that crossed a worker boundary keeps its text, not its class.
    expect(storageFullMessage({ name: 'Error', message: described.message })).toBe(described.message);
  });

  it('is null for every other error, including a cause chain that loops', () => {
    expect(storageFullMessage(new Error('Dataset "x" has no locked split'))).toBeNull();
    expect(storageFullMessage(new CandidateSaveError(1, new Error('disk on fire')))).toBeNull();
    expect(storageFullMessage(new DOMException('gone', 'AbortError'))).toBeNull();
    expect(storageFullMessage('Storage is full while nothing')).toBeNull();
    expect(storageFullMessage(undefined)).toBeNull();
    const a: { message: string; cause?: unknown } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(storageFullMessage(a)).toBeNull();
  });
});
