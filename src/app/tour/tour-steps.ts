/**
 * The guided tour's steps (issue 15, item 4): the field guide's worked example (Harbor Analytics' paint-defect
 * classifier) replayed in miniature on the synthetic paint-defect set. Each step is two sentences, one action and,
 * where the guide's pitfalls happen, a call-out. Plain data: the tour store (tour-store.svelte.ts) runs the actions
 * through the tabs' own stores and reads their state to know when a step is done.
 *
 * The budgets are small enough for a 2-core laptop to finish the whole tour in minutes; they are a proxy of the
 * guide's run (50 supernet epochs, 200 ranked subnets, full re-training), and the steps say so.
 */
import type { OneShotConfig } from '../../protocol/oneshot-api';

export type TourTab = 'search' | 'oneshot' | 'lab' | 'profiler' | 'datasets';

export type TourStepId = 'data' | 'split' | 'targets' | 'search' | 'rank' | 'retrain' | 'compare' | 'test';

export interface TourStep {
  readonly id: TourStepId;
  readonly tab: TourTab;
  readonly title: string;
  /** Two sentences: what happens and why. */
  readonly text: string;
  /** The field guide's pitfall that happens at this step, if any. */
  readonly pitfall?: string;
  /** The label of the step's one action. */
  readonly action: string;
  /** CSS selector of what the step points at (highlighted and scrolled to; it may appear only after the action). */
  readonly target?: string;
  /** The action only shows something (it can be taken again); other actions do work, once. */
  readonly shows?: boolean;
}

/** Names the tour gives what it creates, so a reload finds them again. */
export const TOUR_DATASET_NAME = 'paint defects (tour)';
export const TOUR_RUN_NAME = 'Tour: SPOS on paint defects (mobile supernet)';

export const TOUR_DATA = { count: 600, seed: 1, height: 32, width: 32, validPct: 20, testPct: 20 } as const;
export const TOUR_TARGETS = ['recall[scratch] >= 94%', 'latency_ms <= 8'] as const;
export const TOUR_RETRAIN = { top: 3, epochs: 3, baseline: 'mobilenet' } as const;

/** The One-shot form the search step fills: SPOS on the mobile supernet with the guide's FLOP penalty. */
export function tourOneShotConfig(base: OneShotConfig, datasetId: string): OneShotConfig {
  return {
    ...base,
    name: TOUR_RUN_NAME,
    method: 'spos',
    space: 'mobile',
    datasetId,
    seed: 1,
    epochs: 2,
    batchSize: 32,
    learningRate: 0.05,
    trainSamples: 256,
    validSamples: 128,
    mobile: { stages: 3, widths: [8, 16], depths: [1, 2] },
    spos: { subnets: 8, flopsPenalty: 0.01, topK: 3, rankingCheck: 3, rankingCheckEpochs: 1 },
  };
}

export const TOUR_STEPS: readonly TourStep[] = [
  {
    id: 'data', tab: 'datasets', title: 'Make the factory\'s images',
    text: `Harbor Analytics' problem in miniature: painted panels in four classes (ok, scratch, bubble, color drift, about 8 in 11 ok), photographed over 12 production weeks under drifting light. The generator makes ${TOUR_DATA.count} of them on this device from a seed; nothing is downloaded.`,
    action: `Generate ${TOUR_DATA.count} panels`, target: '[data-testid="preview"], .preview',
  },
  {
    id: 'split', tab: 'datasets', title: 'Lock a week-ordered split',
    text: 'Validation and test are the last production weeks, never seen in training, as the team held out new factory weeks. Storing the dataset locks the split: every search and re-training in this browser reads the same three parts.',
    pitfall: 'A random split would put images of the same week in training and in test, so the test numbers would flatter the model on next week\'s line.',
    action: 'Order by week and lock', target: '.stored',
  },
  {
    id: 'targets', tab: 'oneshot', title: 'Say what good enough means',
    text: `The line needs at least 94% recall on scratches within 8 ms per image, and the latency is measured in this tab, on this device, for every re-trained model. Writing the targets (${TOUR_TARGETS.join(', ')}) before the search keeps the results from moving them.`,
    action: 'Set the targets',
  },
  {
    id: 'search', tab: 'oneshot', title: 'One-shot search with a FLOP penalty',
    text: 'SPOS trains one weight-sharing supernet of MobileNet-like blocks, one sampled path per step, then scores subnets by validation accuracy minus 0.01 per million FLOPs, so the cheaper net wins a tie. The budget is tiny (2 epochs on 256 images, 8 subnets): a proxy of the guide\'s 50 epochs and 200 subnets.',
    pitfall: 'Proxy overfitting: a search this short prefers what learns fastest in 2 epochs, not what is best after full training; the next two steps test that.',
    action: 'Start the search', target: '[data-testid="oneshot-status"]',
  },
  {
    id: 'rank', tab: 'oneshot', title: 'Rank the subnets, then check the ranking',
    text: 'Each sampled subnet was scored with the supernet\'s weights (batch norm recalibrated) and ranked; three of them were also trained alone. Kendall τ says how far the supernet\'s order agrees with standalone training.',
    pitfall: 'Trusting supernet scores: a τ near 0 means the supernet\'s favourite is a guess. Re-train before you believe it.',
    action: 'Show the ranking check', target: '[data-testid="ranking-check"]', shows: true,
  },
  {
    id: 'retrain', tab: 'oneshot', title: 'Re-train the top 3 from scratch',
    text: `Each finalist is built as a standalone network and trained from scratch with class-weighted cross-entropy and early stopping on the held-out weeks (${TOUR_RETRAIN.epochs} epochs here). A hand-designed MobileNet-like baseline trains beside them with the same recipe.`,
    action: 'Re-train the top 3 and the baseline', target: '[data-testid="finalists-panel"]',
  },
  {
    id: 'compare', tab: 'oneshot', title: 'Compare with the manual baseline',
    text: 'One table holds the finalists and the baseline on the same metrics: accuracy, per-class recall, parameters, MACs and latency measured here. A searched network earns its place only if it beats the baseline on what the line needs.',
    action: 'Show the comparison', target: '[data-testid="finalist-table"]', shows: true,
  },
  {
    id: 'test', tab: 'oneshot', title: 'Read the test numbers, once',
    text: 'The TEST columns come from the locked test weeks, read once per model after its training; validation chose everything before. The targets column says whether 94% scratch recall and 8 ms were met: at this tiny budget, probably not, which is the honest answer.',
    pitfall: 'Peeking at the test set: picking a model or re-running because of a test number turns the test split into a validation split, and its numbers stop meaning anything.',
    action: 'Show the test numbers', target: '[data-testid="test-explain"]', shows: true,
  },
];
