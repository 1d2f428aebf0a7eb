/**
 * The version of a black-box search's checkpoint (engine/search/checkpoint.ts holds the format and its
 * migration); a plain number here so the database layer migrates stored records to the real constant.
 *
 *  1  {version, strategy, log} (the runner's; the log was required).
 *  2  {version, nextId, strategy, log?}.
 */
export const CHECKPOINT_VERSION = 2;
