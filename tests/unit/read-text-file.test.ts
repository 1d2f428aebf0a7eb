/** A picked run file or space JSON over its limit is refused by name before a byte is read; one under it reads whole. */
import { describe, expect, it } from 'vitest';
import { FileTooLargeError, MAX_RUN_FILE_BYTES, readTextFile } from '../../src/app/read-text-file';

/** A Blob whose text() must never be called (it stands for a file too large to read). */
class UnreadableFile extends Blob {
  constructor(readonly name: string, private readonly claimed: number) {
    super([]);
  }
  override get size(): number {
    return this.claimed;
  }
  override text(): Promise<string> {
    throw new Error('read a file that should have been refused');
  }
}

describe('readTextFile', () => {
  it('refuses a file over the limit, naming it, its size and the limit, without reading it', async () => {
    const big = new UnreadableFile('mnist-train.idx', 3 * 2 ** 30);
    const err = await readTextFile(big, MAX_RUN_FILE_BYTES, 'a run file').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect((err as Error).message).toBe('mnist-train.idx is 3072.0 MiB, too large for a run file (at most 64.0 MiB); is it the right file?');
  });

  it('reads a file at the limit whole', async () => {
    const text = '{"a":1}';
    const f = new File([text], 'run.json');
    await expect(readTextFile(f, text.length, 'a run file')).resolves.toBe(text);
    await expect(readTextFile(f, text.length - 1, 'a space definition')).rejects.toThrow('run.json is 1 KiB, too large for a space definition (at most 1 KiB)');
  });
});
