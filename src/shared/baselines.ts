/**
 * Names of the hand-designed baselines the finalists stage can train beside the searched models (issue 13,
 * item 5) and the students it can distill (item 6), as text: "resnet" (a small ResNet, He et al. CVPR 2016),
 * "mobilenet" (a small MobileNetV2, Sandler et al. CVPR 2018), each optionally with a width multiplier:
 * "resnet-0.5" is the same network with half the channels. Pure data: the app's form and the headless runner share it.
 */

export const BASELINE_FAMILIES = ['resnet', 'mobilenet'] as const;
export type BaselineFamily = (typeof BASELINE_FAMILIES)[number];

export interface BaselineSpec {
  readonly family: BaselineFamily;
  /** Width multiplier (1: the full table). */
  readonly width: number;
}

export class BaselineNameError extends Error {
  override readonly name = 'BaselineNameError';
}

/** "resnet", "mobilenet-0.5", ... ; a bad name is refused saying what is allowed. */
export function parseBaselineName(text: string): BaselineSpec {
  const m = /^([a-z]+)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const family = m?.[1];
  if (!m || !BASELINE_FAMILIES.some((f) => f === family)) {
    throw new BaselineNameError(`baseline "${text}": must be ${BASELINE_FAMILIES.join(' or ')}, optionally with a width multiplier (e.g. resnet-0.5)`);
  }
  const width = m[2] === undefined ? 1 : Number(m[2]);
  if (!(width > 0 && width <= 4)) throw new BaselineNameError(`baseline "${text}": the width multiplier must be in (0, 4], got ${m[2]}`);
  return { family: family as BaselineFamily, width };
}

/** The canonical name: "resnet", "resnet-0.5". */
export function baselineName(s: BaselineSpec): string {
  return s.width === 1 ? s.family : `${s.family}-${s.width}`;
}
