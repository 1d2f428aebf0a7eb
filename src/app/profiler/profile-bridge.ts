/**
 * The one client of the profile worker (same pattern as ../bridge.ts): starts it lazily, forwards typed
 * profiler events to listeners, and terminates it when a cooperative cancel does not arrive in time.
 */
import * as Comlink from 'comlink';
import type { BackendName } from '../../protocol/backend';
import type {
  BackendComparisonResult, DeviceFingerprint, LutSpec, LutSummary, ModelSpec, PredictorReport, ProfileEvent, ProfileWorkerApi,
} from '../../protocol/profile-api';

export class ProfileBridge {
  private worker: Worker | null = null;
  private api: Comlink.Remote<ProfileWorkerApi> | null = null;
  private readonly listeners = new Set<(e: ProfileEvent) => void>();
  private readonly emit = Comlink.proxy((e: ProfileEvent) => {
    for (const l of this.listeners) l(e);
  });

  on(listener: (e: ProfileEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remote(): Comlink.Remote<ProfileWorkerApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../../../workers/profile.worker.ts', import.meta.url), { type: 'module', name: 'profile' });
      this.api = Comlink.wrap<ProfileWorkerApi>(this.worker);
    }
    return this.api;
  }

  buildLut(spec: LutSpec): Promise<LutSummary> {
    return this.remote().buildLut(spec, this.emit);
  }

  listLuts(): Promise<LutSummary[]> {
    return this.remote().listLuts();
  }

  deleteLut(id: string): Promise<void> {
    return this.remote().deleteLut(id);
  }

  predict(genotypes: (string | object)[], lutId?: string): Promise<number[]> {
    return this.remote().predict(genotypes, lutId);
  }

  validate(sampleSize: number, lutId?: string): Promise<PredictorReport> {
    return this.remote().validate(sampleSize, this.emit, lutId);
  }

  compareBackends(spec: ModelSpec): Promise<BackendComparisonResult> {
    return this.remote().compareBackends(spec, this.emit);
  }

  fingerprint(backend: BackendName): Promise<DeviceFingerprint | null> {
    return this.remote().fingerprint(backend);
  }

  /** Cooperative cancel; if the worker does not answer within `graceMs`, it is terminated (nothing stored is lost). */
  async cancel(graceMs = 5_000): Promise<'cancelled' | 'terminated'> {
    if (!this.api) return 'cancelled';
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'terminated'>((resolve) => { timer = setTimeout(() => resolve('terminated'), graceMs); });
    const outcome = await Promise.race([this.api.cancel().then(() => 'cancelled' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'terminated') this.terminate();
    return outcome;
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
  }
}
