/** Small JPEG previews for image grids, so a page of 60 members does not ship 60 full-size originals. */
import sharp from 'sharp';

const cache = new Map<string, Buffer>();
const CACHE_LIMIT = 2000;

/** A JPEG at most `width` pixels wide (height follows the aspect ratio), cached per file and width. */
export async function thumbnail(realPath: string, width: number): Promise<Buffer> {
  const key = `${width}:${realPath}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const out = await sharp(realPath, { failOn: 'none' })
    .rotate()
    .resize({ width, withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}
