/**
 * Installable and offline, in the built app: the web manifest's PNG icons (192, 512 and a maskable 512) are
 * fetchable PNGs of their declared sizes, the maskable one full-bleed with its artwork inside the safe zone; the
 * Install button shows only while Chromium offers installation (beforeinstallprompt) and asks the browser's
 * prompt on click; going offline shows an indicator that names what still works, gone again when back online.
 */
import { describe, expect, it } from 'vitest';
import { useApp } from '../helpers/e2e-harness';
import { shotPath } from '../helpers/a11y';

const app = useApp();

interface ManifestIcon {
  readonly src: string;
  readonly sizes: string;
  readonly type: string;
  readonly purpose?: string;
}

/** What the page's browser decodes from an icon: its size, and for the safe-zone check its pixels' alpha/colour. */
interface DecodedIcon {
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  /** Share of pixels outside the centre circle of radius 40% that differ from the corner pixel. */
  readonly artOutsideSafeZone: number;
  /** Alpha of the top-left pixel (a maskable icon is full-bleed: opaque). */
  readonly cornerAlpha: number;
}

describe('installable and offline', () => {
  it('declares PNG icons, one maskable, each a PNG of its declared size', async () => {
    const { page } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    const manifestUrl = await page.evaluate(() => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
      return link ? link.href : null;
    });
    expect(manifestUrl).not.toBeNull();
    const manifest = await page.evaluate(async (url) => (await fetch(url)).json() as Promise<{ icons: ManifestIcon[] }>, manifestUrl!);
    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    expect(pngs.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);

    for (const icon of pngs) {
      const url = new URL(icon.src, manifestUrl!).href;
      const got = await page.evaluate(async (src): Promise<DecodedIcon> => {
        const res = await fetch(src);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(img.width, img.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const { data } = ctx.getImageData(0, 0, img.width, img.height);
        const isPng = [0x89, 0x50, 0x4e, 0x47].every((b, i) => bytes[i] === b);
        const at = (x: number, y: number) => data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4);
        const corner = at(0, 0);
        let outside = 0;
        let differ = 0;
        const c = img.width / 2;
        for (let y = 0; y < img.height; y += 2) {
          for (let x = 0; x < img.width; x += 2) {
            if (Math.hypot(x + 0.5 - c, y + 0.5 - c) <= 0.4 * img.width) continue;
            outside++;
            const p = at(x, y);
            if (p.some((v, k) => Math.abs(v - corner[k]) > 8)) differ++;
          }
        }
        return { contentType: isPng ? (res.headers.get('content-type') ?? '') : 'not a PNG', width: img.width, height: img.height, artOutsideSafeZone: differ / outside, cornerAlpha: corner[3] };
      }, url);
      const [w, h] = icon.sizes.split('x').map(Number);
      expect(got, icon.src).toMatchObject({ contentType: 'image/png', width: w, height: h });
      if (icon.purpose === 'maskable') {
        // Full-bleed background, and every pixel a circular mask may cut away is plain background.
        expect(got.cornerAlpha).toBe(255);
        expect(got.artOutsideSafeZone).toBe(0);
      }
    }
    await page.close();
  });

  it('shows Install only while the browser offers it, and prompts on click', async () => {
    // A page where the browser's offer never reaches the app: no button.
    const blocked = await app().browser.context.newPage();
    await blocked.addInitScript(() => {
      addEventListener('beforeinstallprompt', (e) => e.stopImmediatePropagation(), { capture: true });
    });
    await blocked.goto(app().url);
    await blocked.getByTestId('start').waitFor({ timeout: 30_000 });
    await blocked.waitForLoadState('networkidle');
    expect(await blocked.getByTestId('install-app').count()).toBe(0);
    await blocked.close();

    // Chromium offers installation of the built app (manifest with PNG icons, service worker): the button shows.
    const page = await app().browser.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { installOffers: number; prompted: number };
      w.installOffers = 0;
      w.prompted = 0;
      addEventListener('beforeinstallprompt', (e) => {
        w.installOffers++;
        // Count the app's call; the browser's own dialog cannot be answered headless.
        const real = (e as Event & { prompt(): Promise<unknown> }).prompt.bind(e);
        Object.defineProperty(e, 'prompt', { value: () => { w.prompted++; return real().catch(() => undefined); } });
      }, { capture: true });
    });
    await page.goto(app().url);
    await page.getByTestId('install-app').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { installOffers: number }).installOffers)).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('install-app').innerText()).toBe('Install app');
    await page.getByTestId('install-app').click();
    await page.waitForFunction(() => (window as unknown as { prompted: number }).prompted === 1);
    // One offer prompts once: the button goes until the browser offers again.
    expect(await page.getByTestId('install-app').count()).toBe(0);
    await page.close();
  });

  it('says when it is offline and what still works', async () => {
    const { page } = await app().open();
    await page.getByTestId('start').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('offline-indicator').count()).toBe(0);
    const context = app().browser.context;
    try {
      await context.setOffline(true);
      await page.getByTestId('offline-indicator').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('offline-indicator').getAttribute('role')).toBe('status');
      const says = await page.getByTestId('offline-works').innerText();
      for (const works of ['datasets', 'search', 'one-shot', 'Benchmark lab', 'profiler']) expect(says).toContain(works);
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 700 });
        await page.screenshot({ path: shotPath(`offline-${width}`) });
      }
    } finally {
      await context.setOffline(false);
    }
    await page.getByTestId('offline-indicator').waitFor({ state: 'detached', timeout: 10_000 });
    await page.close();
  });
});
