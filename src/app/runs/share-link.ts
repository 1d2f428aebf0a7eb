/**
 * A Search-tab setup as a link: `#search=<payload>`, the payload being the v3 run config (src/shared/run-config.ts,
 * the same file the headless runner reads) plus the dataset's name, as JSON, deflated (fflate) and base64url-encoded.
 * A One-shot-tab setup likewise: `#oneshot=<payload>` holding its config (src/shared/oneshot-config.ts).
 * Reading a link validates it with the same schema as a run the worker would accept and names what is wrong; it
 * never starts anything. Pure (no DOM, no storage).
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import { parseRunConfig, RunConfigError } from '../../shared/run-config';
import { formToRunConfig, searchTabIssues, type RunForm, type TabRunConfig } from '../../shared/run-form';
import { OneShotConfigError, validateOneShotConfig, type OneShotConfig } from '../../shared/oneshot-config';

/** The hash key of a shared search setup. */
export const SEARCH_LINK_KEY = 'search';
/** Version of the link's JSON envelope (the config inside carries its own version). */
export const SEARCH_LINK_VERSION = 1;
/** A link longer than this was not made by "Copy link" (a setup deflates to well under 2 kB). */
const MAX_PAYLOAD_CHARS = 64_000;

export interface SharedSearch {
  readonly config: TabRunConfig;
  /** The dataset's name in the browser that made the link (an imported dataset's id means nothing elsewhere). */
  readonly datasetName: string | null;
}

/** The Search form's labels of the run config's fields, so a bad link names the field as the form shows it. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'Name', seed: 'Seed', 'budget.queries': 'Candidates', 'strategy.name': 'Strategy', 'evaluator.dataset': 'Dataset', 'evaluator.backend': 'Backend',
  'evaluator.channels': 'Channels C', 'evaluator.cellsPerStage': 'Cells per stage N', 'evaluator.epochs': 'Epochs', 'evaluator.batchSize': 'Batch',
  'evaluator.learningRate': 'LR', 'evaluator.trainSamples': 'Train images', 'evaluator.validSamples': 'Validation images',
  'evaluator.curveStop.margin': 'Margin (points)', 'pareto.cost': 'Pareto front cost',
};

/** "evaluator.learningRate: evaluator.learningRate must be <= 10" -> "LR must be <= 10 (evaluator.learningRate)". */
function labelled(issue: string): string {
  const m = /^([\w.[\]]+): (.*)$/s.exec(issue);
  if (!m) return issue;
  const [, path, message] = m;
  const rest = message.startsWith(`${path} `) ? message.slice(path.length + 1) : null;
  const label = FIELD_LABELS[path];
  if (label) return `${label} ${rest ?? `: ${message}`} (${path})`.replace(' : ', ': ');
  return rest !== null ? message : issue;
}

export class ShareLinkError extends Error {
  override readonly name = 'ShareLinkError';
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replaceAll('-', '+').replaceAll('_', '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** The form as a link payload (without `#search=`); `name` is what the run will be called. */
export function encodeSearchSetup(form: RunForm, name: string, datasetName: string | null): string {
  return pack({ link: SEARCH_LINK_VERSION, config: formToRunConfig({ ...form, name }), datasetName });
}

/** The payload of `#search=...` in a location hash, or null when the hash holds no shared search. */
export function searchPayloadOf(hash: string): string | null {
  const m = /^#search=(.*)$/s.exec(hash);
  return m ? m[1] : null;
}

const CUT = 'This shared link is incomplete or damaged (it was probably cut off when it was copied): ';

/** The envelope of a payload: checked for being whole and from this app, its config not yet validated. */
function unpack(payload: string, key: string): { config: unknown; datasetName: string | null } {
  if (payload.length === 0) throw new ShareLinkError(`${CUT}it holds no setup after "#${key}=". Copy the whole link again.`);
  if (payload.length > MAX_PAYLOAD_CHARS) throw new ShareLinkError(`This shared link is ${payload.length} characters long, more than any setup needs (${MAX_PAYLOAD_CHARS}); it was not made by "Copy link".`);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) throw new ShareLinkError(`${CUT}it has characters a copied setup never has. Copy the whole link again.`);
  let json: string;
  try {
    json = strFromU8(inflateSync(fromBase64Url(payload)));
  } catch {
    throw new ShareLinkError(`${CUT}its data does not unpack. Copy the whole link again.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new ShareLinkError(`${CUT}its data is not complete JSON. Copy the whole link again.`);
  }
  const envelope = raw as { link?: unknown; config?: unknown; datasetName?: unknown } | null;
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.config !== 'object') throw new ShareLinkError(`This shared link holds no ${key === 'oneshot' ? 'one-shot' : 'search'} setup.`);
  if (envelope.link !== SEARCH_LINK_VERSION) {
    throw new ShareLinkError(`This shared link was made by another version of the app (link version ${JSON.stringify(envelope.link)}, this app reads ${SEARCH_LINK_VERSION}).`);
  }
  const datasetName = typeof envelope.datasetName === 'string' && envelope.datasetName.trim() !== '' ? envelope.datasetName : null;
  return { config: envelope.config, datasetName };
}

/**
 * Reads a payload back: decoded, inflated, parsed and validated as a Search-tab run config. Throws ShareLinkError
 * saying what is wrong (cut off, not a setup, or which fields are invalid, named as in the run config).
 */
export function decodeSearchSetup(payload: string): SharedSearch {
  const envelope = unpack(payload, SEARCH_LINK_KEY);
  let config;
  try {
    config = parseRunConfig(envelope.config);
  } catch (e) {
    if (e instanceof RunConfigError) throw new ShareLinkError(`This shared link's setup is invalid: ${e.issues.map(labelled).join('; ')}.`);
    throw e;
  }
  // What the Search tab can run (the worker asks the same).
  const issues = searchTabIssues(config);
  if (issues.length > 0) throw new ShareLinkError(`This shared link's setup is invalid: ${issues.join('; ')}.`);
  return { config: config as TabRunConfig, datasetName: envelope.datasetName };
}

/** The hash key of a shared one-shot setup. */
export const ONESHOT_LINK_KEY = 'oneshot';

export interface SharedOneShot {
  readonly config: OneShotConfig;
  readonly datasetName: string | null;
}

const pack = (json: unknown) => toBase64Url(deflateSync(strToU8(JSON.stringify(json)), { level: 9 }));

/** A One-shot form as a link payload (without `#oneshot=`). */
export function encodeOneShotSetup(config: OneShotConfig, datasetName: string | null): string {
  return pack({ link: SEARCH_LINK_VERSION, config, datasetName });
}

/** The payload of `#oneshot=...`, or null. */
export function oneShotPayloadOf(hash: string): string | null {
  const m = /^#oneshot=(.*)$/s.exec(hash);
  return m ? m[1] : null;
}

/** Reads a one-shot payload back, validated by the one-shot config's own schema; throws ShareLinkError naming the problem. */
export function decodeOneShotSetup(payload: string): SharedOneShot {
  const envelope = unpack(payload, ONESHOT_LINK_KEY);
  try {
    return { config: validateOneShotConfig(envelope.config), datasetName: envelope.datasetName };
  } catch (e) {
    if (e instanceof OneShotConfigError) throw new ShareLinkError(`This shared link's setup is invalid: ${e.message.replace(/^Invalid one-shot configuration: /, '')}.`);
    throw e;
  }
}
