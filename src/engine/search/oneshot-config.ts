/** The one-shot search configuration: its schema is plain data in the shared layer (src/shared/oneshot-config.ts). */
export { ONE_SHOT_CONFIG_VERSION, OneShotConfigError, validateOneShotConfig, type OneShotConfig, type OneShotMethod } from '../../shared/oneshot-config';
