/** valibot issues as the `path: message` lines every schema of this layer reports (no path: the message alone). */
import * as v from 'valibot';

export function issueLines(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((i) => {
    const path = v.getDotPath(i);
    return path ? `${path}: ${i.message}` : i.message;
  });
}
