/**
 * What the one-shot kill-and-resume browser test reads: a One-shot-tab run as IndexedDB holds it (no app code),
 * with what names the run itself (its id inside the candidates' supernet reference) and the clock left out, plus a
 * digest of its stored supernet checkpoint (every tensor's bytes), so two runs of one config compare exactly.
 */
import type { Page } from 'playwright-core';
import { setField } from './e2e-harness';

export interface StoredOneShot {
  readonly status: string;
  readonly epoch: number;
  readonly phase: string;
  readonly arch: string | null;
  readonly history: unknown;
  /** The candidates with their supernet reference reduced to what does not name the run (config hash, epoch). */
  readonly candidates: unknown[];
  /** The checkpoint's epoch, global step and a digest of its tensors (null: no checkpoint). */
  readonly checkpoint: { readonly epoch: number; readonly globalStep: number; readonly tensors: number; readonly digest: string } | null;
}

export async function storedOneShot(page: Page, runId: string): Promise<StoredOneShot | null> {
  return page.evaluate((id) => new Promise<StoredOneShot | null>((resolve, reject) => {
    const req = indexedDB.open('nas-playground');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['oneshotRuns', 'oneshotCheckpoints'], 'readonly');
      const run = tx.objectStore('oneshotRuns').get(id);
      const cp = tx.objectStore('oneshotCheckpoints').get(id);
      tx.onerror = () => reject(tx.error);
      tx.oncomplete = () => {
        db.close();
        const r = run.result as { status: string; epoch: number; phase: string; arch: string | null; history: unknown; candidates: { supernet: { configHash: string; epoch: number } }[] } | undefined;
        if (!r) { resolve(null); return; }
        const c = cp.result as { epoch: number; globalStep: number; tensors: Record<string, { data: ArrayBufferView }> } | undefined;
        let digest: string | null = null;
        if (c) {
          // FNV-1a over every tensor's bytes, in key order.
          let h = 0x811c9dc5;
          const keys = Object.keys(c.tensors).sort();
          for (const k of keys) {
            for (const ch of k) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
            const d = c.tensors[k].data;
            const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
            for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
          }
          digest = h.toString(16);
        }
        resolve({
          status: r.status, epoch: r.epoch, phase: r.phase, arch: r.arch, history: r.history,
          candidates: r.candidates.map((x) => ({ ...x, supernet: { configHash: x.supernet.configHash, epoch: x.supernet.epoch } })),
          checkpoint: c && digest !== null ? { epoch: c.epoch, globalStep: c.globalStep, tensors: Object.keys(c.tensors).length, digest } : null,
        });
      };
    };
  }), runId);
}

export async function waitForOneShotStatus(page: Page, runId: string, status: string, timeoutMs = 240_000): Promise<StoredOneShot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await storedOneShot(page, runId);
    if (s?.status === status) return s;
    if (s?.status === 'failed') throw new Error(`one-shot run ${runId} failed`);
    if (Date.now() > deadline) throw new Error(`one-shot run ${runId} did not reach "${status}" (now: ${s?.status ?? 'not stored'})`);
    await page.waitForTimeout(500);
  }
}

export interface OneShotSettings {
  readonly method: 'darts' | 'spos';
  readonly epochs: number;
  /** SPOS only. */
  readonly subnets?: number;
}

/** Fills the One-shot tab's form for a tiny seeded run on the forced WASM backend, starts it, returns its id. */
export async function startOneShot(page: Page, s: OneShotSettings): Promise<string> {
  await setField(page, 'oneshot-method', s.method);
  await setField(page, 'oneshot-epochs', s.epochs);
  await setField(page, 'oneshot-batch', 16);
  await setField(page, 'oneshot-channels', 4);
  await setField(page, 'oneshot-cells', 1);
  await setField(page, 'oneshot-train-samples', 128);
  await setField(page, 'oneshot-valid-samples', 64);
  await setField(page, 'oneshot-seed', 5);
  await setField(page, 'oneshot-backend', 'wasm');
  if (s.method === 'spos') {
    await setField(page, 'oneshot-subnets', s.subnets ?? 4);
    await setField(page, 'oneshot-topk', 2);
    await setField(page, 'oneshot-ranking-check', 0);
  }
  const before = await page.getByTestId('oneshot-status').getAttribute('data-run').catch(() => null);
  await page.getByTestId('oneshot-start').click();
  const h = await page.waitForFunction((old) => {
    const el = document.querySelector('[data-testid="oneshot-status"]');
    const id = el?.getAttribute('data-run');
    return id && id !== old && el?.getAttribute('data-status') === 'running' ? id : null;
  }, before, { timeout: 120_000 });
  return (await h.jsonValue()) as string;
}
