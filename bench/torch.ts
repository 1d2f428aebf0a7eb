/**
 * Node side of the PyTorch comparison: exports a workload's data and initial weights (bench/workloads.ts) to a
 * binary file + JSON manifest, and drives one long-lived `python3 bench/torch_workloads.py` process over
 * stdin/stdout JSON lines, so that PyTorch runs can be interleaved with tfjs runs in one invocation.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { LEARNING_RATE, type Workload } from './workloads';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'torch_workloads.py');

export interface TorchReply { ok: boolean; error?: string; [key: string]: unknown }

export class TorchClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((r: TorchReply) => void)[] = [];
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'nas-bench-torch-'));
  private stderr = '';
  private exited = false;

  private constructor(threads: number, script: string) {
    this.child = spawn(PYTHON, [script], { env: { ...process.env, TORCH_THREADS: String(threads), OMP_NUM_THREADS: String(threads) } });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.pending.shift();
      if (next) next(JSON.parse(line) as TorchReply);
    });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    this.child.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.splice(0)) p({ ok: false, error: `python exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  }

  /** Starts PyTorch (`script`: another twin speaking the same line protocol), or returns the reason it is unavailable. */
  static async start(threads = 2, script = SCRIPT): Promise<{ client: TorchClient; version: string; threads: number } | { error: string }> {
    if (!existsSync(PYTHON)) return { error: `${PYTHON} not found (PyTorch comparisons need Debian's python3-torch)` };
    const client = new TorchClient(threads, script);
    const info = await client.send({ cmd: 'info' });
    if (!info.ok) {
      client.close();
      return { error: `PyTorch unavailable: ${info.error ?? 'unknown error'} (apt-get install -y python3-torch)` };
    }
    return { client, version: String(info.torch), threads: Number(info.threads) };
  }

  send(msg: Record<string, unknown>): Promise<TorchReply> {
    if (this.exited) return Promise.resolve({ ok: false, error: `python exited: ${this.stderr.trim()}` });
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Exports the workload's tensors and loads the twin model; returns PyTorch's first loss. */
  async load(id: string, w: Workload): Promise<number> {
    const { tensors, paths, ops } = await w.exportTensors();
    let offset = 0;
    const entries = tensors.map((t) => {
      const e = { name: t.name, shape: t.shape, offset };
      offset += t.data.byteLength;
      return e;
    });
    const blob = Buffer.alloc(offset);
    tensors.forEach((t, i) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(blob, entries[i].offset));
    const safe = id.replace(/[^a-zA-Z0-9_-]/g, '_');
    writeFileSync(path.join(this.dir, `${safe}.bin`), blob);
    const manifest = path.join(this.dir, `${safe}.json`);
    writeFileSync(manifest, JSON.stringify({ spec: w.spec, ops, paths, lr: LEARNING_RATE, bin: `${safe}.bin`, tensors: entries }));
    const r = await this.send({ cmd: 'load', id, manifest });
    if (!r.ok) throw new Error(`PyTorch load of ${id} failed: ${r.error}`);
    return Number(r.loss);
  }

  async run(id: string, warmup: number, steps: number, maxSeconds: number, minSteps = 2): Promise<{ times: number[]; losses: number[] }> {
    const r = await this.send({ cmd: 'run', id, warmup, steps, max_seconds: maxSeconds, min_steps: minSteps });
    if (!r.ok) throw new Error(`PyTorch run of ${id} failed: ${r.error}`);
    return { times: r.times_ms as number[], losses: r.losses as number[] };
  }

  async infer(id: string, reps: number): Promise<number[]> {
    const r = await this.send({ cmd: 'infer', id, reps });
    if (!r.ok) throw new Error(`PyTorch inference of ${id} failed: ${r.error}`);
    return r.times_ms as number[];
  }

  async drop(id: string): Promise<void> {
    await this.send({ cmd: 'drop', id });
  }

  close(): void {
    if (!this.exited) {
      this.child.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
      this.child.stdin.end();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
