/**
 * The Finalists panel's choices beyond the recipe (issue 13, items 5 and 6), as data: the hand-designed baselines
 * to train beside the finalists (names of baselines.ts) and the distillation of a smaller student from the best
 * finalist (which student, temperature, alpha), with the check that names each bad value before a job starts.
 */
import { BASELINE_FAMILIES, type BaselineFamily } from './baselines';

export const BASELINE_CHOICES: readonly { readonly family: BaselineFamily; readonly label: string; readonly help: string }[] = BASELINE_FAMILIES.map((family) => (
  family === 'resnet'
    ? { family, label: 'ResNet-like baseline', help: 'A small ResNet (He et al. 2016) sized for the images, trained with the same recipe' }
    : { family, label: 'MobileNet-like baseline', help: 'A small MobileNetV2 (Sandler et al. 2018) sized for the images, trained with the same recipe' }
));

/** Students: the teacher's genotype at half the channels, or a half-width baseline. */
export const STUDENT_CHOICES = [
  { value: 'narrow', label: 'narrow genotype (C/2)' },
  { value: 'resnet-0.5', label: 'ResNet-like x0.5' },
  { value: 'mobilenet-0.5', label: 'MobileNet-like x0.5' },
] as const;
export type StudentChoice = (typeof STUDENT_CHOICES)[number]['value'];

export interface DistillForm {
  enabled: boolean;
  student: StudentChoice;
  temperature: number;
  alpha: number;
}

export const DEFAULT_DISTILL_FORM: DistillForm = { enabled: false, student: 'narrow', temperature: 4, alpha: 0.7 };

/** Problems of the distillation settings (none when it is off). Empty number fields arrive as null / NaN. */
export function distillFormIssues(d: DistillForm): string[] {
  if (!d.enabled) return [];
  const issues: string[] = [];
  if (!STUDENT_CHOICES.some((c) => c.value === d.student)) issues.push(`student must be one of ${STUDENT_CHOICES.map((c) => c.value).join(', ')}`);
  if (!(typeof d.temperature === 'number' && Number.isFinite(d.temperature) && d.temperature > 0)) issues.push('temperature must be a number > 0');
  if (!(typeof d.alpha === 'number' && d.alpha >= 0 && d.alpha <= 1)) issues.push('alpha must be a number in [0, 1]');
  return issues;
}
