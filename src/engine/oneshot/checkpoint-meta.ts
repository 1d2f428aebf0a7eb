/**
 * Reading a one-shot searcher's checkpoint metadata (supernet/state.ts holds the tensors): the version check,
 * the migration of version-1 status words to the shared vocabulary (strategy/types.ts), and field readers that
 * reject a malformed value with a CheckpointError naming the field, before the searcher changes anything.
 *
 * Versions: 1 = DARTS `status` 'running' | 'done' | 'stopped' (early stop), SPOS `phase` 'train' | 'rank' |
 * 'done' and no status; 2 = every searcher stores status, stopCause and failure (StatusState), SPOS's phase is
 * 'train' | 'rank' only.
 */
import { CheckpointError, type OneShotCheckpoint } from '../supernet/state';
import type { BatchStreamState } from '../supernet/batches';
import { parseStatusState, type StatusState } from '../strategy/status';
import type { RngState } from '../util/rng';

export const ONESHOT_META_VERSION = 2;
const SUPPORTED_VERSIONS = [1, 2];

type Meta = Readonly<Record<string, unknown>>;

const json = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 80));

/** Version-1 metadata with its status words rewritten to version 2's (other versions come back unchanged). */
export function migrateOneShotMeta(meta: Meta): Meta {
  if (meta.version !== 1) return meta;
  if (meta.strategy === 'spos') {
    const done = meta.phase === 'done';
    return { ...meta, version: 2, phase: done ? 'rank' : meta.phase, status: done ? 'done' : 'running', stopCause: done ? 'exhausted' : null, failure: null };
  }
  const word = meta.status;
  const status = word === 'stopped' ? 'done' : word;
  const stopCause = word === 'stopped' ? 'early-stop' : word === 'done' ? 'exhausted' : null;
  return { ...meta, version: 2, status, stopCause, failure: null };
}

/** Field readers over a checkpoint's (migrated) metadata; every failure names the field. */
export class MetaReader {
  readonly meta: Meta;

  /** Checks the checkpoint's shape, strategy and version, and migrates version 1. */
  constructor(c: OneShotCheckpoint, private readonly strategy: string) {
    if (typeof c !== 'object' || c === null || typeof c.meta !== 'object' || c.meta === null || typeof c.tensors !== 'object' || c.tensors === null) {
      throw new CheckpointError(`${strategy} checkpoint: must be {meta, tensors}`);
    }
    if (c.meta.strategy !== strategy) throw new CheckpointError(`checkpoint is from strategy "${String(c.meta.strategy)}", not "${strategy}"`);
    if (!SUPPORTED_VERSIONS.includes(c.meta.version)) {
      throw new CheckpointError(`${strategy} checkpoint: version ${String(c.meta.version)} is not supported (expected one of ${SUPPORTED_VERSIONS.join(', ')})`);
    }
    this.meta = migrateOneShotMeta(c.meta);
  }

  bad(field: string, what: string): CheckpointError {
    return new CheckpointError(`${this.strategy} checkpoint: "${field}" must be ${what}, got ${json(this.meta[field.split('.')[0]])}`);
  }

  field<T>(key: string, check: (v: unknown) => v is T, what: string): T {
    const v = this.meta[key];
    if (!check(v)) throw this.bad(key, what);
    return v;
  }

  int(key: string): number {
    return this.field(key, isCount, 'a whole number >= 0');
  }

  text(key: string): string {
    return this.field(key, (v): v is string => typeof v === 'string', 'text');
  }

  textOrNull(key: string): string | null {
    return this.field(key, (v): v is string | null => v === null || typeof v === 'string', 'text or null');
  }

  object(key: string): Record<string, unknown> {
    return this.field(key, isObject, 'an object');
  }

  /** An array whose every element passes `check`. */
  list<T>(key: string, check: (v: unknown) => v is T, what: string): T[] {
    return this.field(key, (v): v is T[] => Array.isArray(v) && v.every(check), `an array of ${what}`);
  }

  /** An object of finite numbers with exactly these keys. */
  sums<K extends string>(key: string, keys: readonly K[]): Record<K, number> {
    return this.field(key, (v): v is Record<K, number> => isObject(v) && keys.every((k) => isFiniteNumber(v[k])) && Object.keys(v).length === keys.length,
      `an object of numbers {${keys.join(', ')}}`);
  }

  rng(key: string): RngState {
    return this.field(key, isRngState, 'an array of 4 uint32');
  }

  /** A batch stream's state over a split of `count` samples (passes is -1 before the first batch). */
  stream(key: string, count: number): BatchStreamState {
    return this.field(key, (v): v is BatchStreamState => isObject(v) && isRngState(v.rng) && isCount(v.pos) && Number.isInteger(v.passes) && (v.passes as number) >= -1 &&
      Array.isArray(v.order) && v.order.every((i) => isCount(i) && i < count),
      `a batch stream state {rng, order, pos, passes} over ${count} samples`);
  }

  /** One flag per weight (which SGD momentum buffers are stored). */
  flags(key: string, length: number): boolean[] {
    return this.field(key, (v): v is boolean[] => Array.isArray(v) && v.length === length && v.every((b) => typeof b === 'boolean'),
      `an array of ${length} booleans, one per supernet weight (was it saved from a different supernet?)`);
  }

  status(): StatusState {
    return parseStatusState(this.meta, (field, what) => this.bad(field, what));
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRngState = (v: unknown): v is RngState => Array.isArray(v) && v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff);
