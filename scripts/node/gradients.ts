/**
 * Under plain Node (tsx), tfjs-core's ESM `dist/register_all_gradients` cannot be loaded (extensionless
 * imports). tsconfig.node.json maps that import here; the CommonJS build of @tensorflow/tfjs registers
 * every gradient with the same tfjs-core instance. Bundlers and vitest load the original file.
 */
import '@tensorflow/tfjs';
