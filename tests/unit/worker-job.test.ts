/** workers/job.ts: one job at a time, stop() aborts and waits for the job to settle, errors in their wire form. */
import { describe, expect, it } from 'vitest';
import { cancelledAs, JobRunner } from '../../workers/job';
import { AbortedError } from '../../src/engine/util/abort';

/** A job that runs until its signal aborts, then settles (after a tick) with `outcome`. */
function untilAborted(outcome: () => unknown, log: string[]) {
  return (signal: AbortSignal) => new Promise<string>((resolve, reject) => {
    signal.addEventListener('abort', () => setTimeout(() => {
      log.push('settled');
      try {
        resolve(String(outcome()));
      } catch (e) {
        reject(e);
      }
    }, 5));
  });
}

describe('JobRunner', () => {
  it('runs one job at a time; stop() aborts it and resolves once it has settled; then a new job may start', async () => {
    const jobs = new JobRunner((what) => `busy: cancel before starting ${what}`);
    const log: string[] = [];
    const first = jobs.run('a search', untilAborted(() => 'partial', log));
    expect(jobs.running).toBe(true);
    await expect(jobs.run('another search', async () => 'x')).rejects.toThrow('busy: cancel before starting another search');
    await jobs.stop();
    expect(log).toEqual(['settled']);
    expect(jobs.running).toBe(false);
    expect(await first).toBe('partial');
    expect(await jobs.run('a third', async () => 3)).toBe(3);
    await jobs.stop(); // nothing running: resolves
  });

  it('stop() never rejects; the job\'s own caller gets the error, with name and message', async () => {
    const jobs = new JobRunner(() => 'busy');
    const log: string[] = [];
    const job = jobs.run('x', untilAborted(() => { throw new AbortedError('The import'); }, log));
    await jobs.stop();
    await expect(job).rejects.toMatchObject({ name: 'AbortError', message: 'The import was cancelled' });
    await expect(jobs.run('y', () => Promise.reject('plain text'))).rejects.toMatchObject({ name: 'Error', message: 'plain text' });
  });

  it('cancelledAs: once stopped, any error reports as cancelled; before, errors pass unchanged', async () => {
    const jobs = new JobRunner(() => 'busy', { toWire: cancelledAs('The profiler job') });
    const log: string[] = [];
    const job = jobs.run('x', untilAborted(() => { throw new RangeError('kernel interrupted'); }, log));
    abortSoon(jobs);
    await expect(job).rejects.toMatchObject({ name: 'AbortError', message: 'The profiler job was cancelled' });
    await expect(jobs.run('y', async () => { throw new RangeError('bad size'); })).rejects.toMatchObject({ name: 'RangeError', message: 'bad size' });
  });
});

function abortSoon(jobs: JobRunner): void {
  setTimeout(() => jobs.abort(), 1);
}
