/** The dataset layer: pure parsers, generators and splits (no DOM, no Node APIs, no IndexedDB). */
export * from './types';
export * from './errors';
export { gunzip, maybeGunzip, isGzip, GZIP_DEFAULTS, type GunzipOptions } from './gzip';
export * from './idx';
export * from './cifar';
export { readTar, isTar, type TarEntry } from './tar';
export * from './zip';
export * from './image';
export * from './image-folder';
export * from './export';
export * from './paint-defects';
export * from './splits';
export { Hasher } from './hash';
export * from './sniff';
export type { ByteSource, ReadableStreamLike } from './web-streams';
export { readAll } from './web-streams';
