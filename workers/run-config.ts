/**
 * Validation of a Search-tab run configuration arriving from the UI or a stored record: migrated to the current
 * version first (the form's flat layout, src/db/runs.ts), then checked by the one run-config schema
 * (src/shared/run-config.ts, the headless runner's too), then that it is a run the Search tab can host:
 * candidates trained on a stored dataset, a query budget, a live front against a CostMetric.
 */
import type { RunConfig } from '../src/protocol/run';
import { parseRunConfig, RunConfigError } from '../src/shared/run-config';
import { searchTabIssues } from '../src/shared/run-form';
import { migrateRunConfig } from '../src/db/runs';

export { RunConfigError };

export function validateRunConfig(value: unknown): RunConfig {
  const config = parseRunConfig(migrateRunConfig(value));
  const issues = searchTabIssues(config);
  if (issues.length > 0) throw new RunConfigError(issues);
  return config as RunConfig;
}

/**
 * A stored run checked again before it resumes: IndexedDB may hold a record written by an older (or buggy) build or
 * edited by hand, and the session must not start on a config the schema would refuse today. The record itself is
 * left as it is (nothing stored is lost); the error says which run and what is wrong.
 */
export function checkStoredRun<R extends { readonly id: string; readonly config: unknown }>(run: R): R & { readonly config: RunConfig } {
  try {
    return { ...run, config: validateRunConfig(run.config) };
  } catch (e) {
    if (!(e instanceof RunConfigError)) throw e;
    throw new RunConfigError(e.issues.map((i) => `stored run ${run.id} cannot resume: ${i}`));
  }
}
