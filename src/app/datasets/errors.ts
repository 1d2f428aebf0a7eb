/**
 * Errors from the data worker, rebuilt on this side. Parser errors arrive as the plain object of the
 * engine's `DatasetFormatError.toJSON()` (the app may not import engine runtime code, so the class is
 * mirrored here with the same name, code, file and message).
 */
import type { DatasetErrorCode, DatasetErrorInfo } from '../../protocol/data-api';

export class DatasetImportError extends Error {
  override readonly name = 'DatasetFormatError';
  readonly code: DatasetErrorCode;
  readonly file: string;

  constructor(info: DatasetErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.file = info.file;
  }

  toJSON(): DatasetErrorInfo {
    return { name: 'DatasetFormatError', code: this.code, file: this.file, message: this.message };
  }
}

export function isDatasetErrorInfo(x: unknown): x is DatasetErrorInfo {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return o.name === 'DatasetFormatError' && typeof o.code === 'string' && typeof o.file === 'string' && typeof o.message === 'string';
}

/** Whatever the worker threw, as an Error this side can show. */
export function fromWorker(e: unknown): Error {
  if (e instanceof DatasetImportError) return e;
  if (isDatasetErrorInfo(e)) return new DatasetImportError(e);
  if (e instanceof Error) return e;
  return new Error(String(e));
}

export function isCancel(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'AbortError';
}

/** One sentence of help per parser error code, shown under the parser's own message. */
export const ERROR_HELP: Partial<Record<DatasetErrorCode, string>> = {
  truncated: 'The file is shorter than its own header says: the download or copy was probably cut short. Download it again.',
  'bad-magic': 'This is not the kind of file this importer expects; check that you picked the right file for each slot.',
  'bad-gzip': 'The gzip data is corrupt; download the file again.',
  'count-mismatch': 'The numbers of images and labels (or the header and the data) disagree; check that both files belong together.',
  'absurd-dimensions': 'The sizes in the file are out of range; the file is probably corrupt or not what it claims to be.',
  'not-an-image': 'Every file inside a class folder must be an image; remove the others or tick "skip files that are not images".',
  'zip-bomb': 'The archive would expand far beyond its size; it was refused to protect this tab.',
  'bad-zip': 'The zip archive is corrupt; create it again.',
  'empty-class': 'Every class folder needs at least one image.',
  'no-classes': 'Expected one folder per class with the images inside (class/image.png).',
  'too-deep': 'Pick the folder (or zip) whose subfolders are the classes.',
  'too-many-files': 'The dataset has more files than this importer accepts.',
  'too-many-classes': 'At most 256 classes are supported.',
  'empty-file': 'The file is empty.',
  unsupported: 'This variant of the format is not supported.',
  'decode-failed': 'The browser could not decode this image; it is probably corrupt.',
  'bad-label': 'A label is outside the range of classes.',
  'bad-split': 'The split settings do not fit this dataset.',
  'too-large': 'Files are read whole into this tab\'s memory, so their size is capped; import fewer or smaller files.',
};
