/** Guess what kind of dataset file the user dropped, from its name and first bytes (no decompression). */
import { cifarRecordBytes } from './cifar';
import { isGzip } from './gzip';
import { sniffImageType } from './image';
import { isTar } from './tar';
import { isZip } from './zip';

export type DatasetFileKind =
  | 'idx-images'
  | 'idx-labels'
  | 'cifar10-bin'
  | 'cifar100-bin'
  | 'zip'
  | 'tar'
  | 'gzip'
  | 'image'
  | 'csv'
  | 'unknown';

export function sniffDatasetFile(name: string, bytes: Uint8Array): DatasetFileKind {
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08) {
    if (bytes[3] === 3) return 'idx-images';
    if (bytes[3] === 1) return 'idx-labels';
  }
  if (isGzip(bytes)) return 'gzip';
  if (isZip(bytes)) return 'zip';
  if (isTar(bytes)) return 'tar';
  if (sniffImageType(bytes)) return 'image';
  if (/\.bin$/i.test(name)) {
    if (bytes.length > 0 && bytes.length % cifarRecordBytes('cifar10') === 0) return 'cifar10-bin';
    if (bytes.length > 0 && bytes.length % cifarRecordBytes('cifar100-fine') === 0) return 'cifar100-bin';
  }
  if (/\.(csv|tsv)$/i.test(name)) return 'csv';
  return 'unknown';
}
