/**
 * Accessibility checks for the browser tests: axe-core (the npm package) injected into the built app, and the
 * shell's tabs with where to save screenshots. axe runs in the page as it is (evaluated through the DevTools
 * protocol, so the app's Content-Security-Policy needs no exception).
 */
import type { Page } from 'playwright-core';
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './e2e-harness';

export const TABS = ['search', 'oneshot', 'runs', 'lab', 'profiler', 'datasets'] as const;
export type TabId = (typeof TABS)[number];
export const WIDTHS = [1280, 390] as const;

/** test-results/ is ignored by git: screenshots for people to look at, not fixtures. */
export function shotPath(name: string): string {
  const dir = path.join(ROOT, 'test-results', 'shots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** axe-core's violations in the page now, with impact serious or critical, as readable lines. */
export async function seriousAxeViolations(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const run = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[]; html: string }[] }[] }> } }).axe.run;
    const res = await run(document, { resultTypes: ['violations'] });
    return res.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 120)}`) }));
  });
}

/** Shows `tab` by clicking its tab button, waiting for its panel. */
export async function showTab(page: Page, tab: TabId): Promise<void> {
  await page.getByTestId(`tab-${tab}`).click();
  await page.locator(`#view-${tab}`).waitFor();
}

/** The page's width as the browser lays it out: wider than the viewport means sideways scrolling. */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement?.scrollWidth ?? -1);
}
