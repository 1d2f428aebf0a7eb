/**
 * Classification metrics from scores and labels, pure (no tfjs): accuracy, per-class precision / recall / F1 and
 * support, macro recall, the confusion matrix (rows: true class, columns: predicted class), and the expected
 * calibration error with its reliability-diagram bins (Guo, Pleiss, Sun & Weinberger, "On Calibration of Modern
 * Neural Networks", ICML 2017: M = 15 equal-width confidence bins, ECE = sum_m |B_m|/n |acc(B_m) - conf(B_m)|,
 * bin m holding confidences in ((m-1)/M, m/M]).
 *
 * Conventions: the prediction is the first index of the largest score; a precision, recall or F1 whose
 * denominator is 0 is reported as 0 (scikit-learn's zero_division=0); macro recall averages the classes that
 * have test images (a class with none has no recall).
 */

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Test images of this class. */
  readonly support: number;
}

export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean correctness and mean confidence of the bin's images (0 for an empty bin). */
  readonly accuracy: number;
  readonly confidence: number;
}

export interface ClassificationMetrics {
  readonly count: number;
  readonly accuracy: number;
  readonly macroRecall: number;
  readonly perClass: readonly ClassMetrics[];
  /** confusion[true][predicted]. */
  readonly confusion: readonly (readonly number[])[];
  readonly ece: number;
  readonly reliability: readonly ReliabilityBin[];
}

export const ECE_BINS = 15;

/** Row-wise softmax of [n, k] logits (max-subtracted, in float64). */
export function softmaxRows(logits: Float32Array, k: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[r * k + j]);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[r * k + j] - max);
    for (let j = 0; j < k; j++) out[r * k + j] = Math.exp(logits[r * k + j] - max) / sum;
  }
  return out;
}

export interface ScoresInput {
  /** [n, k] row-major scores. */
  readonly scores: Float32Array;
  /** 'logits' are turned into probabilities by softmax; 'probabilities' are used as they are. */
  readonly kind: 'logits' | 'probabilities';
  readonly labels: ArrayLike<number>;
  readonly numClasses: number;
  /** Confidence bins for the ECE (default 15). */
  readonly bins?: number;
}

export function classificationMetrics(input: ScoresInput): ClassificationMetrics {
  const k = input.numClasses;
  const n = input.labels.length;
  const m = input.bins ?? ECE_BINS;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`test metrics: numClasses must be an integer >= 1, got ${k}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`test metrics: bins must be an integer >= 1, got ${m}`);
  if (input.scores.length !== n * k) throw new Error(`test metrics: ${input.scores.length} scores for ${n} labels and ${k} classes (expected ${n * k})`);
  const probs = input.kind === 'logits' ? softmaxRows(input.scores, k) : input.scores;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const binCount = new Array<number>(m).fill(0);
  const binCorrect = new Array<number>(m).fill(0);
  const binConf = new Array<number>(m).fill(0);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const y = input.labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < k)) throw new Error(`test metrics: label ${y} at index ${i} is outside 0..${k - 1}`);
    let pred = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + pred]) pred = j;
    const conf = probs[i * k + pred];
    if (!Number.isFinite(conf)) throw new Error(`test metrics: score of image ${i} is not finite`);
    confusion[y][pred]++;
    const hit = pred === y ? 1 : 0;
    correct += hit;
    const b = Math.min(m - 1, Math.max(0, Math.ceil(conf * m) - 1));
    binCount[b]++;
    binCorrect[b] += hit;
    binConf[b] += conf;
  }
  const perClass: ClassMetrics[] = [];
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j][c];
      support += confusion[c][j];
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ precision, recall, f1, support });
  }
  const present = perClass.filter((p) => p.support > 0);
  const reliability: ReliabilityBin[] = binCount.map((count, b) => ({
    lower: b / m,
    upper: (b + 1) / m,
    count,
    accuracy: count === 0 ? 0 : binCorrect[b] / count,
    confidence: count === 0 ? 0 : binConf[b] / count,
  }));
  const ece = n === 0 ? 0 : reliability.reduce((s, r) => s + (r.count / n) * Math.abs(r.accuracy - r.confidence), 0);
  return {
    count: n,
    accuracy: n === 0 ? 0 : correct / n,
    macroRecall: present.length === 0 ? 0 : present.reduce((s, p) => s + p.recall, 0) / present.length,
    perClass,
    confusion,
    ece,
    reliability,
  };
}
