/**
 * Files for a resumable finalists run (`npm run finalists -- --checkpoint DIR`), the CLI's store of the engine's
 * finalists stage (engine/finalists/stage.ts): per entry key (finalist-<candidate id>, baseline-<name>...), the
 * re-training state after every epoch (DIR/<key>.state.json; typed arrays as base64) and, once it has been
 * tested, its report (DIR/<key>.result.json) with its trained weights beside it (DIR/<key>.weights.json, written
 * first: a distillation teacher tested in an earlier session is rebuilt from them); with the recipe's hpo, the
 * finished search (DIR/<key>.hpo.json). A finalist with a stored result is never trained or tested
 * again, so a resumed run still reads its test split once. Files are written beside and renamed (atomic).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RetrainState } from '../../src/engine/finalists/retrain';
import { snapshotWeights, type WeightsSnapshot } from '../../src/engine/finalists/retrain-state';
import type { Network } from '../../src/engine/model/network';
import type { StageStore } from '../../src/engine/finalists/stage';
import type { HpoReport, TrainedReport } from '../../src/shared/finalist-result';
import { CliUsageError } from './search-run';

const F32 = '$f32';

/** JSON text of a value holding Float32Arrays. */
export function encodeWithArrays(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Float32Array ? { [F32]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v);
}

export function decodeWithArrays(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Record<string, unknown>)[F32] === 'string') {
      const bytes = Buffer.from((v as Record<string, string>)[F32], 'base64');
      if (bytes.length % 4 !== 0) throw new Error(`a ${F32} array has ${bytes.length} bytes, not a multiple of 4`);
      const out = new Float32Array(bytes.length / 4);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    return v;
  });
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

export class FinalistCheckpoint implements StageStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(key: string, kind: 'state' | 'result' | 'hpo' | 'weights'): string {
    if (!/^[\w.-]+$/.test(key)) throw new Error(`checkpoint: bad entry key "${key}"`);
    return path.join(this.dir, `${key}.${kind}.json`);
  }

  private read(file: string): unknown {
    if (!existsSync(file)) return undefined;
    try {
      return decodeWithArrays(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CliUsageError(`checkpoint ${file}: ${(e as Error).message}`);
    }
  }

  /** Records the settings on first use; a later run with other settings (recipe, seed, data) is refused. */
  checkSettings(settings: unknown): void {
    const file = path.join(this.dir, 'settings.json');
    const text = `${JSON.stringify(settings)}\n`;
    if (!existsSync(file)) {
      writeAtomic(file, text);
      return;
    }
    const had = readFileSync(file, 'utf8');
    if (had !== text) throw new CliUsageError(`checkpoint ${this.dir} was made with other settings (${had.trim()}); use a new folder or the same options`);
  }

  /** The state saved after the last completed epoch (checked by the engine when it is loaded). */
  state(key: string): RetrainState | undefined {
    return this.read(this.file(key, 'state')) as RetrainState | undefined;
  }

  saveState(key: string, s: RetrainState): void {
    writeAtomic(this.file(key, 'state'), encodeWithArrays(s));
  }

  result(key: string): TrainedReport | undefined {
    return this.read(this.file(key, 'result')) as TrainedReport | undefined;
  }

  async saveResult(key: string, r: TrainedReport, net: Network): Promise<void> {
    writeAtomic(this.file(key, 'weights'), encodeWithArrays(await snapshotWeights(net)));
    writeAtomic(this.file(key, 'result'), `${JSON.stringify(r)}\n`);
  }

  /** The finished HPO search (checked against the recipe by the engine when it is used). */
  hpo(key: string): HpoReport | undefined {
    return this.read(this.file(key, 'hpo')) as HpoReport | undefined;
  }

  saveHpo(key: string, r: HpoReport): void {
    writeAtomic(this.file(key, 'hpo'), `${JSON.stringify(r)}\n`);
  }

  /** The trained weights saved with the result (checked by the engine against the network they are loaded into). */
  weights(key: string): WeightsSnapshot | undefined {
    return this.read(this.file(key, 'weights')) as WeightsSnapshot | undefined;
  }
}
