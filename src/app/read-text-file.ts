/**
 * Reads a small text file the user picked (a run file, a space JSON) after checking its size, so a wrong pick
 * (a dataset, a video) gets a clear message instead of a tab that freezes while gigabytes become one string.
 */

/** Run files carry configs, candidate logs and finalists' reports, never weights: tens of MiB is already generous. */
export const MAX_RUN_FILE_BYTES = 64 * 2 ** 20;
/** A space definition is a few hundred bytes of JSON. */
export const MAX_SPACE_FILE_BYTES = 2 ** 20;

export class FileTooLargeError extends Error {
  constructor(readonly fileName: string, readonly size: number, readonly maxBytes: number, what: string) {
    super(`${fileName} is ${mib(size)}, too large for ${what} (at most ${mib(maxBytes)}); is it the right file?`);
    this.name = 'FileTooLargeError';
  }
}

export async function readTextFile(file: Blob & { readonly name: string }, maxBytes: number, what: string): Promise<string> {
  if (file.size > maxBytes) throw new FileTooLargeError(file.name, file.size, maxBytes, what);
  return file.text();
}

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
