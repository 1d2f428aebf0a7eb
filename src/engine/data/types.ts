/** Per-image numeric attribute arrays (one entry per image). */
export type FieldArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array;

/** An in-memory image classification dataset, pixels as uint8 in HWC order. */
export interface ImageDataset {
  readonly name: string;
  readonly classes: readonly string[];
  /** [height, width, channels] of one image. */
  readonly shape: readonly [number, number, number];
  readonly count: number;
  /** count * h * w * c bytes, 0..255. */
  readonly images: Uint8Array;
  /** count class indices. */
  readonly labels: Uint8Array;
  /**
   * Optional per-image numeric attributes, each `count` long: e.g. `week` (paint-defect generator,
   * for an ordered temporal split) or `file` (index of the source file for multi-file formats).
   */
  readonly fields?: Readonly<Record<string, FieldArray>>;
}

/** Index lists into one dataset; `test` is never handed to a search. */
export interface DatasetSplit {
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
  readonly test: Uint32Array;
}
