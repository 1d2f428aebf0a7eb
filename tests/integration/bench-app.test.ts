/**
 * The app rows (`npm run bench -- --suite app --smoke`: the built app in headless Chromium, one tiny candidate of a
 * random NB201 search driven through the Search form, its PyTorch twin when Debian's python3-torch is installed, and
 * one cold + one warm visit to the first scored candidate) write a report whose figures are positive and agree with
 * each other: the per-candidate split adds up, the ratio is the quotient of the two times it names, the cold start's
 * phases add up to its total, and the warm visit is the one served by the service worker with the dataset already
 * stored. No timing is compared with a threshold: speed figures are for people, not tests. Needs `npm run build`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppReport } from '../../bench/app-report';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch, numpy'], { timeout: 120_000 }).status === 0;
if (!hasTorch) console.warn(`bench-app: ${PYTHON} cannot import torch; only the tab side is checked`);

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

describe('bench/run.ts --suite app --smoke', () => {
  it('measures a search in the isolated tab against its PyTorch twin, and a cold and a warm start', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-app-'));
    const out = path.join(dir, 'app.json');
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', 'tsconfig.node.json', 'bench/run.ts', '--suite', 'app', '--smoke', ...(hasTorch ? [] : ['--no-torch']), '--out', out], {
        cwd: ROOT, stdio: 'pipe', timeout: 420_000,
      });
      const r = JSON.parse(readFileSync(out, 'utf8')) as AppReport;
      expect(r).toMatchObject({ version: 1, suite: 'app', mode: 'smoke' });
      expect(r.missing).toEqual(hasTorch ? [] : ['PyTorch: skipped (--no-torch)']);
      expect(r.machine.uptime.start).toMatch(/load average/);

      // 1c: one run of one candidate in the isolated tab, on WASM with the thread setting the panel shows.
      const s = r.search!;
      expect(s.crossOriginIsolated).toBe(true);
      expect(s.backendPanel.backend).toBe('wasm');
      expect(s.backendPanel.isolatedText).toBe('cross-origin isolated: yes');
      expect(positive(s.backendPanel.threads)).toBe(true);
      expect(s.backendPanel.threadsText).toContain(`WASM threads: ${s.backendPanel.threads}`);
      expect(s.rounds.length).toBe(1);
      const tab = s.rounds[0].tab;
      expect(tab.candidates.length).toBe(1);
      const c = tab.candidates[0];
      for (const v of [c.wallMs, c.trainMs, c.otherMs, c.latencyMedianMs, tab.candidatesPerHour, tab.trainImagesPerS]) expect(positive(v)).toBe(true);
      // The split adds up; the only candidate is the first and the steady set; the rates are what the times say.
      expect(c.otherMs).toBe(c.wallMs - c.trainMs);
      expect(tab.firstCandidateMs).toBe(c.wallMs);
      expect(tab.totalMs).toBe(c.wallMs);
      expect(tab.steady).toMatchObject({ count: 1, meanWallMs: c.wallMs, meanTrainMs: c.trainMs });
      expect(close(tab.candidatesPerHour, 3_600_000 / c.wallMs)).toBe(true);
      expect(close(tab.trainImagesPerS, (r.settings.trainSamples * r.settings.epochs * 1000) / c.trainMs)).toBe(true);
      // The twin is the stored genotype.
      expect(s.twins.map((t) => t.arch)).toEqual([c.arch]);
      expect(positive(s.twins[0].params)).toBe(true);
      if (hasTorch) {
        const [p] = s.rounds[0].torchAfter;
        expect(p.threads).toBe(1);
        expect(p.candidates.map((x) => x.id)).toEqual([c.id]);
        expect(p.candidates[0].params).toBe(s.twins[0].params);
        for (const v of [p.meanTotalMs, p.meanTrainMs, p.meanValidMs, p.meanLatencyMs, p.trainImagesPerS]) expect(positive(v)).toBe(true);
        expect(p.meanTotalMs).toBeGreaterThanOrEqual(p.meanTrainMs + p.meanValidMs);
        expect(s.ratios.map((x) => x.threads)).toEqual([1]);
        expect(close(s.ratios[0].median, tab.steady.meanWallMs / p.meanTotalMs)).toBe(true);
        expect(close(s.ratios[0].trainMedian, tab.steady.meanTrainMs / (p.meanTrainMs + p.meanValidMs))).toBe(true);
      }

      // 6: a fresh profile, then a second visit served by the service worker with MNIST already stored.
      expect(r.coldStart.map((v) => v.kind)).toEqual(['cold', 'warm']);
      const [cold, warm] = r.coldStart;
      expect(cold.controlledByServiceWorker).toBe(false);
      expect(warm.controlledByServiceWorker).toBe(true);
      for (const v of r.coldStart) {
        expect(v.crossOriginIsolated).toBe(true);
        const ph = v.phases;
        for (const x of [ph.loadToInteractiveMs, ph.startToBackendMs, ph.backendToFirstCandidateMs, v.afterStart.firstCandidateStored, v.firstLoad.jsDecodedBytes, v.firstLoad.mainThread?.scriptMs]) expect(positive(x)).toBe(true);
        expect(close(ph.openToFirstCandidateMs, ph.loadToInteractiveMs + ph.startToBackendMs + ph.backendToFirstCandidateMs)).toBe(true);
        expect(close(ph.startToBackendMs + ph.backendToFirstCandidateMs, v.afterStart.firstRow)).toBe(true);
        expect(v.page.interactive).toBe(ph.loadToInteractiveMs);
        // What only a started search loads came after Start: the search worker's bundle (tfjs) and a .wasm binary.
        expect(positive(v.afterStart.workerScriptFetched)).toBe(true);
        expect(positive(v.afterStart.wasmFetched)).toBe(true);
        expect(v.afterStart.wasmFetched!).toBeLessThan(v.afterStart.backendReady);
        // The first candidate's live line comes between the backend badge and its row.
        expect(v.afterStart.candidateStarted!).toBeGreaterThanOrEqual(v.afterStart.backendReady);
        expect(v.afterStart.candidateStarted!).toBeLessThanOrEqual(v.afterStart.firstRow);
        expect(v.firstLoad.scripts).toBeGreaterThan(0);
      }
      // The built-in MNIST is fetched once, on the cold visit; the warm one finds it in IndexedDB.
      expect(positive(cold.afterStart.datasetFetched)).toBe(true);
      expect(warm.afterStart.datasetFetched).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 450_000);
});
