/**
 * The space editor's state (Svelte 5 runes): the draft space config as JSON text and as a value, kept in
 * sync both ways, and the worker's verdict on it (normalised config + size, or every problem with its path).
 * Validation runs in the search worker (the app may not run engine code); answers that arrive after a newer
 * edit are dropped, and `ok` is false while a check is pending, so Start never sees a stale verdict.
 */
import type { SpaceCheck, SpaceVocabulary } from '../protocol/search-api';
import type { SpaceConfig, SpaceKind } from '../protocol/run';

export interface SpaceChecker {
  checkSpace(json: unknown): Promise<SpaceCheck>;
  spaceVocabulary(): Promise<SpaceVocabulary>;
}

/** The full NB201 space, normalised (what the app starts with before the worker has answered). */
export const DEFAULT_SPACE: SpaceConfig = { space: 'nb201', ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] };

const pretty = (x: unknown): string => JSON.stringify(x, null, 2);

export class SpaceDraft {
  /** What the JSON text area shows. */
  text = $state(pretty(DEFAULT_SPACE));
  /** The draft as a value (the last text that parsed as JSON). */
  value = $state<unknown>(DEFAULT_SPACE);
  check = $state<SpaceCheck | null>({ ok: true, config: DEFAULT_SPACE, issues: [], size: '15625', choices: 6, name: 'NAS-Bench-201 cell' });
  pending = $state(false);
  vocab = $state<SpaceVocabulary | null>(null);
  /** The last valid config per space, so the form controls show effective values (defaults filled in). */
  private lastValid = $state<Partial<Record<SpaceKind, SpaceConfig>>>({ nb201: DEFAULT_SPACE });
  private seq = 0;

  readonly ok = $derived(!this.pending && this.check?.ok === true);
  readonly config = $derived(this.check?.ok ? (this.check.config ?? null) : null);
  readonly kind = $derived.by((): SpaceKind | null => {
    const k = (this.value as { space?: unknown } | null)?.space;
    return k === 'nb201' || k === 'darts' || k === 'mobile' ? k : null;
  });
  /**
   * The draft with the defaults of its space filled in, for the form controls — the same defaults the engine's
   * schema applies: the full published space, expansions [] without 'mb' blocks, strides following stages.
   */
  readonly effective = $derived.by((): Record<string, unknown> => {
    const v = this.value && typeof this.value === 'object' && !Array.isArray(this.value) ? (this.value as Record<string, unknown>) : {};
    const base: Record<string, unknown> = this.kind ? ((this.defaults[this.kind] ?? this.lastValid[this.kind] ?? {}) as Record<string, unknown>) : {};
    const out: Record<string, unknown> = { ...base, ...v };
    if (this.kind === 'mobile') {
      if (Array.isArray(out.blocks) && !out.blocks.includes('mb') && v.expansions === undefined) out.expansions = [];
      const defaultStrides = Array.isArray(base.strides) ? (base.strides as unknown[]) : [];
      if (v.strides === undefined && typeof v.stages === 'number' && Number.isInteger(v.stages) && v.stages >= 0 && v.stages <= 64) {
        out.strides = Array.from({ length: v.stages }, (_, i) => defaultStrides[i] ?? 1);
      }
      if (v.stages === undefined && Array.isArray(v.strides)) out.stages = v.strides.length;
    }
    return out;
  });
  /** Each space's full published config (normalised by the worker), the base of `effective`. */
  private defaults = $state<Partial<Record<SpaceKind, SpaceConfig>>>({ nb201: DEFAULT_SPACE });

  constructor(private readonly checker: SpaceChecker) {}

  async loadVocabulary(): Promise<void> {
    if (this.vocab) return;
    const kinds: SpaceKind[] = ['nb201', 'darts', 'mobile'];
    const checks = await Promise.all(kinds.map((k) => this.checker.checkSpace({ space: k })));
    const defaults: Partial<Record<SpaceKind, SpaceConfig>> = {};
    checks.forEach((c, i) => { if (c.config) defaults[kinds[i]] = c.config; });
    this.defaults = defaults;
    this.vocab = await this.checker.spaceVocabulary();
  }

  /** From the form controls: the text follows. */
  setValue(value: unknown): void {
    this.value = value;
    this.text = pretty(value);
    void this.validate(value);
  }

  /** From the JSON text area (or an imported file): the value follows when the text parses. */
  setText(text: string): void {
    this.text = text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The worker reports the JSON syntax error with its position.
      void this.validate(text);
      return;
    }
    this.value = parsed;
    void this.validate(parsed);
  }

  /** Changes one setting of the draft (as the form shows it, defaults filled in). */
  set(key: string, value: unknown): void {
    this.setValue({ ...this.effective, [key]: value });
  }

  /** Switches to another space: its full published space (normalised by the worker). */
  async pick(kind: SpaceKind): Promise<void> {
    const known = this.lastValid[kind] ?? this.defaults[kind];
    if (known) return this.setValue(known);
    const c = await this.checker.checkSpace({ space: kind });
    this.setValue(c.config ?? { space: kind });
  }

  /** Shows a stored run's space. */
  show(config: SpaceConfig): void {
    this.setValue(config);
  }

  private async validate(input: unknown): Promise<void> {
    const id = ++this.seq;
    this.pending = true;
    let result: SpaceCheck;
    try {
      result = await this.checker.checkSpace($state.snapshot(input));
    } catch (e) {
      result = { ok: false, issues: [{ path: '(config)', message: `could not be checked: ${e instanceof Error ? e.message : String(e)}` }] };
    }
    if (id !== this.seq) return;
    this.check = result;
    if (result.ok && result.config) this.lastValid = { ...this.lastValid, [result.config.space]: result.config };
    this.pending = false;
  }
}

/** 15625 -> "15,625"; very large sizes also in scientific form ("1.2 × 10^21"). */
export function formatSpaceSize(decimal: string): { short: string; full: string } {
  const full = decimal.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (decimal.length <= 9) return { short: full, full };
  const mantissa = `${decimal[0]}.${decimal.slice(1, 3)}`;
  return { short: `${mantissa} × 10^${decimal.length - 1}`, full };
}
