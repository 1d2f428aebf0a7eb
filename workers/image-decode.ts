/**
 * Image decoding in a worker: createImageBitmap + OffscreenCanvas (PNG, JPEG, GIF, BMP, WebP — whatever
 * the browser decodes). Large images are shrunk by the browser first (to a few times the target size,
 * aspect kept), so the engine's area resampler only ever sees a modest RGBA buffer.
 */
import type { DecodedImage, DecodeImage } from '../src/engine/data/image-folder';
import type { ImageType } from '../src/engine/data/image';

const MIME: Record<ImageType, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', bmp: 'image/bmp', webp: 'image/webp' };

/** A decoder for images that will end up `target.height` x `target.width`. */
export function createImageDecoder(target: { height: number; width: number }): DecodeImage {
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  return async (bytes: Uint8Array, _name: string, type: ImageType): Promise<DecodedImage> => {
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: MIME[type] });
    // Decode, then let the browser shrink it (high quality) only when it is much larger than the target.
    let bmp = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const limitW = target.width * 4;
    const limitH = target.height * 4;
    if (bmp.width > limitW && bmp.height > limitH) {
      const scale = Math.max(limitW / bmp.width, limitH / bmp.height);
      const w = Math.max(1, Math.round(bmp.width * scale));
      const h = Math.max(1, Math.round(bmp.height * scale));
      const small = await createImageBitmap(bmp, { resizeWidth: w, resizeHeight: h, resizeQuality: 'high', premultiplyAlpha: 'none' });
      bmp.close();
      bmp = small;
    }
    try {
      const { width, height } = bmp;
      if (!canvas || canvas.width < width || canvas.height < height) {
        canvas = new OffscreenCanvas(Math.max(width, canvas?.width ?? 0), Math.max(height, canvas?.height ?? 0));
        ctx = canvas.getContext('2d', { willReadFrequently: true });
        if (!ctx) throw new Error('this browser has no 2D OffscreenCanvas in workers');
      }
      ctx!.clearRect(0, 0, width, height);
      ctx!.drawImage(bmp, 0, 0);
      const data = ctx!.getImageData(0, 0, width, height).data;
      return { width, height, rgba: data };
    } finally {
      bmp.close();
    }
  };
}
