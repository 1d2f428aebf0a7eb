/**
 * The words of the playground, each with one line of help: the knobs of the Search and One-shot forms (shown as
 * the input's description) and the terms the tabs use without explaining (the Glossary dialog lists them).
 * Plain data, so a test can check that every term the issue named is explained.
 */

/** One line per Search-tab knob, keyed like the form's fields. */
export const SEARCH_KNOB_HELP = {
  name: 'What the run is called in the runs list; left empty, it is named from its space, strategy and dataset.',
  datasetId: 'The images candidates train on; its locked split decides the train, validation and (hidden) test images.',
  strategy: 'How the next candidate is chosen: at random, by mutating good ones (evolution), by a learned policy (REINFORCE) or near the best (local search).',
  seed: 'Same seed, same settings: the same candidates with the same weights and batch order.',
  budget: 'How many candidates (architectures) to train and score.',
  channels: 'C: the width (channels) of the first stage; later stages double it.',
  cellsPerStage: 'N: how many cells are stacked per stage; more cells, a deeper and slower network.',
  epochs: 'Passes over the train images per candidate: more epochs, slower but more reliable scores.',
  batchSize: 'Images per training step.',
  learningRate: 'Step size of SGD with momentum; too large and training diverges, too small and nothing is learned.',
  trainSamples: 'How many images of the train split each candidate trains on (at most what the split holds).',
  validSamples: 'How many images of the validation split score each candidate (at most what the split holds).',
  backend: 'Where tensors are computed: WebGPU/WebGL use the GPU, WASM the CPU with SIMD, CPU plain JavaScript.',
} as const;

export interface GlossaryEntry {
  readonly term: string;
  readonly text: string;
}

/** Terms shown across the tabs, in one place. */
export const GLOSSARY: readonly GlossaryEntry[] = [
  { term: 'NAS', text: 'Neural architecture search: trying many network designs (architectures) automatically and keeping the best.' },
  { term: 'Candidate', text: 'One architecture the search proposed, trained briefly and scored on the validation images.' },
  { term: 'Genotype', text: 'The choices that define an architecture, written as a string such as |nor_conv_3x3~0|+|skip_connect~0|none~1|.' },
  { term: '~0, ~1, ~2 (in a genotype)', text: 'op~k means: this op is applied to the output of node k (node 0 is the cell\'s input); | separates edges and + separates the nodes they feed.' },
  { term: 'Cell', text: 'A small repeated block of the network; its edges are the choices the search makes.' },
  { term: 'Edges and ops', text: 'A NB201 cell has 6 edges and each edge picks one of 5 ops, so the space holds 5^6 = 15,625 cells.' },
  { term: "'none' op", text: "An edge with 'none' carries nothing; a cell whose every path from input to output is 'none' is disconnected and outputs zeros." },
  { term: 'C and N', text: 'The skeleton sizes: C is the channel width of the first stage (later stages double it), N the number of cells per stage.' },
  { term: 'Skeleton', text: 'The fixed part of the network around the searched cells: stem, stages, reductions and head.' },
  { term: 'Validation accuracy', text: 'Accuracy on the validation images, which the search may look at; the test images stay locked until the finalists are tested once.' },
  { term: 'Objective', text: 'The score a candidate is ranked by: a metric to maximise, minus optional penalties, with hard constraints.' },
  { term: 'Fits', text: 'Whether a candidate meets every hard constraint of the objective (e.g. latency ≤ 8 ms); one that does not never wins.' },
  { term: 'Pareto front', text: 'The candidates no other candidate beats on both accuracy and cost: the best trade-offs.' },
  { term: 'Pareto front cost', text: 'The cost axis the front is drawn against: MFLOPs, parameters or measured latency.' },
  { term: 'MFLOPs', text: 'Millions of multiply-add operations for one image: a device-independent measure of compute.' },
  { term: 'Latency', text: 'Time for one inference on this device and backend, in milliseconds.' },
  { term: 'p10–p90', text: 'The 10th to 90th percentile of the measured times: 80% of the runs fell in this range.' },
  { term: 'Zero-cost proxy', text: 'A score computed from an untrained network on one batch (e.g. gradient norms), used to rank candidates before training them (warm start).' },
  { term: 'Backend', text: 'The engine that runs the tensors: WebGPU or WebGL (GPU), WASM (CPU with SIMD, often the fastest here), or plain CPU.' },
  { term: 'One-shot / supernet', text: 'One network that holds every candidate at once, with shared weights; subnets are scored with the weights they inherit.' },
  { term: 'DARTS', text: 'Differentiable architecture search: each edge mixes all ops with softmax weights α that are learned by gradient descent.' },
  { term: 'α (architecture weights)', text: 'The per-edge, per-op weights DARTS learns; the derived cell keeps the op with the largest α on each edge.' },
  { term: 'DARTS+', text: 'Early stopping rules for DARTS: stop when the derived cell holds too many skip connections or has stopped changing.' },
  { term: 'Entropy reg. λ', text: 'A penalty on the entropy of each edge\'s α, pushing every edge to commit to one op.' },
  { term: 'Eigenvalue', text: 'The largest Hessian eigenvalue of the validation loss with respect to α (RobustDARTS); when it grows, DARTS is about to collapse onto skip connections.' },
  { term: 'SPOS', text: 'Single-path one-shot: trains one random path of the supernet per step, then ranks sampled subnets by their inherited weights.' },
  { term: 'Kendall τ', text: 'How alike two rankings are: 1 the same order, 0 unrelated, −1 reversed.' },
  { term: 'Latency lookup table', text: 'Each op of the space timed alone on this device; a network\'s latency is predicted from the sum of its ops.' },
  { term: 'Finalists', text: 'The best candidates re-trained from scratch with a longer recipe and then tested once on the locked test images.' },
];
