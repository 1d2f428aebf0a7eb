/**
 * Writes the app's PNG icons from public/icon.svg (run `npx tsx scripts/make-icons.ts` after editing the SVG; the
 * PNGs are committed): 192 and 512 px as drawn, and a 512 px maskable icon whose artwork sits inside the safe zone
 * (the centre circle of radius 40%, which any launcher mask keeps) on a full-bleed background. Rendered by the
 * headless Chromium the browser tests use, so no image library and no network.
 */
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const PUBLIC = path.join(ROOT, 'public');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The SVG's own background, filled edge to edge behind the maskable artwork. */
const BACKGROUND = '#1d3557';
/**
 * Share of the maskable icon's width the SVG takes. Its graph spans about 46 x 42 of its 64 units, so at 70% the
 * graph's corners lie 0.34 of the width from the centre: inside the 0.40 safe circle.
 */
const MASKABLE_SCALE = 0.7;

export interface IconSpec {
  readonly file: string;
  readonly size: number;
  readonly maskable: boolean;
}

export const ICONS: readonly IconSpec[] = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
];

function pageFor(svg: string, spec: IconSpec): string {
  const art = Math.round(spec.maskable ? spec.size * MASKABLE_SCALE : spec.size);
  const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  const bg = spec.maskable ? BACKGROUND : 'transparent';
  return `<!doctype html><html><body style="margin:0;width:${spec.size}px;height:${spec.size}px;display:grid;place-items:center;background:${bg}">`
    + `<img src="${src}" width="${art}" height="${art}" alt=""></body></html>`;
}

async function main(): Promise<void> {
  const svg = readFileSync(path.join(PUBLIC, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    for (const spec of ICONS) {
      const page = await browser.newPage({ viewport: { width: spec.size, height: spec.size }, deviceScaleFactor: 1 });
      await page.setContent(pageFor(svg, spec));
      await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
      await page.screenshot({ path: path.join(PUBLIC, spec.file), omitBackground: !spec.maskable, type: 'png' });
      await page.close();
      console.log(`${spec.file}: ${spec.size}x${spec.size}${spec.maskable ? ' (maskable)' : ''}`);
    }
  } finally {
    await browser.close();
  }
}

await main();
