/**
 * The one client of the profile worker (same pattern as ../bridge.ts): starts it lazily, forwards typed
 * profiler events to listeners, and terminates it when a cooperative cancel does not arrive in time.
 */
import type { BackendName } from '../../protocol/backend';
import type {
  BackendComparisonResult, DeviceFingerprint, LutSpec, LutSummary, ModelSpec, PredictorReport, ProfileEvent, ProfileWorkerApi,
} from '../../protocol/profile-api';
import { WorkerClient } from '../worker-client';

export class ProfileBridge extends WorkerClient<ProfileWorkerApi, ProfileEvent> {
  constructor() {
    super(() => new Worker(new URL('../../../workers/profile.worker.ts', import.meta.url), { type: 'module', name: 'profile' }), 'the profiler worker');
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
    return (await this.askOrTerminate((api) => api.cancel(), graceMs)) === 'answered' ? 'cancelled' : 'terminated';
  }
}
