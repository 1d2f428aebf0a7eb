/**
 * A space config checked for the editor: the normalised config and the size of the space, or every
 * validation problem as `{path, message}` (the same messages as SpaceConfigError). Plain data, so it can
 * cross a worker boundary (the size is a decimal string: a bigint of any length).
 */
import { SpaceConfigError, type ConfigIssue, type SpaceConfig } from '../../shared/space-config';
import { spaceFromConfig } from './registry';

export interface SpaceCheck {
  readonly ok: boolean;
  /** The normalised config (ok only). */
  readonly config?: SpaceConfig;
  /** Every problem (not ok only). */
  readonly issues: readonly ConfigIssue[];
  /** Number of distinct genotypes, as a decimal string (ok only). */
  readonly size?: string;
  /** Number of categorical decisions of a genotype (ok only). */
  readonly choices?: number;
  readonly name?: string;
}

export function checkSpaceConfig(json: unknown): SpaceCheck {
  try {
    const space = spaceFromConfig(json);
    return { ok: true, config: space.config, issues: [], size: space.size().toString(), choices: space.choices.length, name: space.name };
  } catch (e) {
    if (e instanceof SpaceConfigError) return { ok: false, issues: e.issues };
    return { ok: false, issues: [{ path: '(config)', message: e instanceof Error ? e.message : String(e) }] };
  }
}
