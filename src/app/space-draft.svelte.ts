/**
 * The space editor's state (Svelte 5 runes): the draft space config as JSON text and as a value, kept in
 * sync both ways, and the verdict on it (normalised config + size, or every problem with its path).
 * Validation runs right here, with the shared schema (src/shared: plain data and valibot, no tfjs), so editing a
 * space never starts a worker; the verdict is synchronous, so Start never sees a stale one.
 */
import { checkSpace, type SpaceCheck } from '../shared/space-check';
import { parseSpaceConfig, type SpaceConfig, type SpaceKind } from '../shared/space-config';
import { SPACE_KINDS, SPACE_VOCABULARY, type SpaceVocabulary } from '../shared/space-vocab';

/** Each space's full published config, normalised: the base the form controls fill defaults from. */
const SPACE_DEFAULTS: Readonly<Record<SpaceKind, SpaceConfig>> = Object.fromEntries(SPACE_KINDS.map((k) => [k, parseSpaceConfig({ space: k })])) as Record<SpaceKind, SpaceConfig>;

/** The full NB201 space, normalised (what the editor starts with). */
export const DEFAULT_SPACE: SpaceConfig = SPACE_DEFAULTS.nb201;

const pretty = (x: unknown): string => JSON.stringify(x, null, 2);

export class SpaceDraft {
  /** What the JSON text area shows. */
  text = $state(pretty(DEFAULT_SPACE));
  /** The draft as a value (the last text that parsed as JSON). */
  value = $state<unknown>(DEFAULT_SPACE);
  check = $state<SpaceCheck>(checkSpace(DEFAULT_SPACE));
  /** What the editor may offer: exactly the ops/blocks the model builder (and exporter) can emit. */
  readonly vocab: SpaceVocabulary = SPACE_VOCABULARY;
  /** The last valid config per space, so switching back to a space shows what it was. */
  private lastValid = $state<Partial<Record<SpaceKind, SpaceConfig>>>({ nb201: DEFAULT_SPACE });

  readonly ok = $derived(this.check.ok);
  readonly config = $derived(this.check.ok ? (this.check.config ?? null) : null);
  readonly kind = $derived.by((): SpaceKind | null => {
    const k = (this.value as { space?: unknown } | null)?.space;
    return (SPACE_KINDS as readonly unknown[]).includes(k) ? (k as SpaceKind) : null;
  });
  /**
   * The draft with the defaults of its space filled in, for the form controls — the same defaults the shared
   * schema applies: the full published space, expansions [] without 'mb' blocks, strides following stages.
   */
  readonly effective = $derived.by((): Record<string, unknown> => {
    const v = this.value && typeof this.value === 'object' && !Array.isArray(this.value) ? (this.value as Record<string, unknown>) : {};
    const base: Record<string, unknown> = this.kind ? ({ ...SPACE_DEFAULTS[this.kind] } as Record<string, unknown>) : {};
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

  /** Counts every change of the draft (form, text, a shown run), so a late load can tell the user edited meanwhile. */
  edits = 0;

  /** From the form controls: the text follows. */
  setValue(value: unknown): void {
    this.edits++;
    this.value = value;
    this.text = pretty(value);
    this.validate(value);
  }

  /** From the JSON text area (or an imported file): the value follows when the text parses. */
  setText(text: string): void {
    this.edits++;
    this.text = text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The schema reports the JSON syntax error with its position.
      this.validate(text);
      return;
    }
    this.value = parsed;
    this.validate(parsed);
  }

  /** Changes one setting of the draft (as the form shows it, defaults filled in). */
  set(key: string, value: unknown): void {
    this.setValue({ ...this.effective, [key]: value });
  }

  /** Switches to another space: the last valid draft of it, else its full published space. */
  pick(kind: SpaceKind): void {
    this.setValue(this.lastValid[kind] ?? SPACE_DEFAULTS[kind]);
  }

  /** Shows a stored run's space. */
  show(config: SpaceConfig): void {
    this.setValue(config);
  }

  private validate(input: unknown): void {
    const result = checkSpace($state.snapshot(input));
    this.check = result;
    if (result.ok && result.config) this.lastValid = { ...this.lastValid, [result.config.space]: result.config };
  }
}

/** 15625 -> "15,625"; very large sizes also in scientific form ("1.2 × 10^21"). */
export function formatSpaceSize(decimal: string): { short: string; full: string } {
  const full = decimal.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (decimal.length <= 9) return { short: full, full };
  const mantissa = `${decimal[0]}.${decimal.slice(1, 3)}`;
  return { short: `${mantissa} × 10^${decimal.length - 1}`, full };
}
