/**
 * Deletes a finalists job with its re-training states (the registry's models stay) and says about how many bytes
 * that freed (src/db/record-size.ts), for the Runs list's "storage regained".
 */
import { approxBytes } from './record-size';
import type { Db } from './schema';

export async function deleteFinalistJobMeasured(db: Db, jobId: string): Promise<number> {
  const tx = db.transaction(['finalistJobs', 'finalistStates'], 'readwrite');
  const jobs = tx.objectStore('finalistJobs');
  const states = tx.objectStore('finalistStates').index('byJob');
  const [job, stateRecords, keys] = await Promise.all([jobs.get(jobId), states.getAll(jobId), states.getAllKeys(jobId)]);
  await Promise.all([jobs.delete(jobId), ...keys.map((k) => tx.objectStore('finalistStates').delete(k)), tx.done]);
  return approxBytes(job) + approxBytes(stateRecords);
}
