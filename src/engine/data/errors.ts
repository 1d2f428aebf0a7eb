/** Error codes every dataset parser may throw; stable strings the UI can map to help text. */
export type DatasetErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'bad-gzip'
  | 'count-mismatch'
  | 'absurd-dimensions'
  | 'not-an-image'
  | 'zip-bomb'
  | 'bad-zip'
  | 'empty-class'
  | 'no-classes'
  | 'too-deep'
  | 'too-many-files'
  | 'too-many-classes'
  | 'empty-file'
  | 'unsupported'
  | 'decode-failed'
  | 'bad-label'
  | 'bad-split'
  | 'train-test-mismatch'
  | 'too-large';

/**
 * Thrown by every parser in `engine/data` for input that is malformed or out of limits.
 * `file` names the offending file (or archive entry); the message always starts with it.
 */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';
  readonly code: DatasetErrorCode;
  readonly file: string;

  constructor(code: DatasetErrorCode, file: string, detail: string) {
    super(`${file}: ${code.replace(/-/g, ' ')}: ${detail}`);
    this.code = code;
    this.file = file;
  }

  /** Plain data for postMessage/comlink (which keep only name and message of a thrown Error). */
  toJSON(): DatasetErrorInfo {
    return { name: 'DatasetFormatError', code: this.code, file: this.file, message: this.message };
  }
}

export interface DatasetErrorInfo {
  name: 'DatasetFormatError';
  code: DatasetErrorCode;
  file: string;
  message: string;
}

/** Rebuild a DatasetFormatError from its toJSON() form (e.g. on the other side of a worker). */
export function datasetErrorFromInfo(info: DatasetErrorInfo): DatasetFormatError {
  const e = new DatasetFormatError(info.code, info.file, '');
  e.message = info.message;
  return e;
}

/** 1234567 -> "1,234,567" without relying on Intl (not guaranteed in every worker runtime). */
export function fmtInt(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${out}` : out;
}

/** Bytes as "1,000,000 bytes". */
export function fmtBytes(n: number): string {
  return `${fmtInt(n)} byte${n === 1 ? '' : 's'}`;
}

/** Shared limits; callers may pass tighter ones. */
export const LIMITS = {
  /** Max pixels per side of any image we accept. */
  maxSide: 4096,
  /** Max bytes of any decoded pixel buffer (2^31). */
  maxBytes: 2 ** 31,
  /**
   * Max bytes of one picked file, and of all the files of one import together. The importer streams files (never
   * holding one whole; bench --suite import-memory), but the decoded dataset is held in memory and stored in one
   * transaction, and a tab's worker should stay well under the 2 GiB payload limit.
   */
  maxFileBytes: 2 ** 30,
  maxImportBytes: 1.5 * 2 ** 30,
} as const;

/** Refuses files too large to import before a byte is read (a clear message instead of an out-of-memory crash). */
export function checkFileSizes(files: readonly { readonly name: string; readonly size: number }[], limits: { readonly maxFileBytes: number; readonly maxImportBytes: number } = LIMITS): void {
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  for (const f of files) {
    if (f.size > limits.maxFileBytes) {
      throw new DatasetFormatError('too-large', f.name, `is ${gib(f.size)}; one file may be at most ${gib(limits.maxFileBytes)} (split it, or import a subset)`);
    }
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > limits.maxImportBytes) {
    throw new DatasetFormatError('too-large', files.map((f) => f.name).join(', '), `are ${gib(total)} together; one import may be at most ${gib(limits.maxImportBytes)}`);
  }
}
