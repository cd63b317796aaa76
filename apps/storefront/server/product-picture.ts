import { PRODUCT_PICTURE_PATH } from './product-picture-url';

/**
 * A product's placeholder picture, drawn here so the shop needs no image host: colours from the SKU
 * (the same product always looks the same), its initials, its name and its category.
 */
export interface ProductPicture {
  sku: string;
  name: string;
  category: string;
}

// The shape of SKU the catalog accepts; anything else is no product's picture.
const SKU = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
const MAX_SKU_LENGTH = 64;
// The catalog's names are at most 120 characters; a longer parameter is no product's.
const MAX_TEXT_LENGTH = 120;
// Control characters are not allowed in XML: the picture would not render.
const CONTROL_CHARACTER = /\p{Cc}/u;

/** The headers of every picture: cached a day, never sniffed, and nothing in it may load or run. */
export const PICTURE_HEADERS = {
  'content-type': 'image/svg+xml; charset=utf-8',
  'cache-control': 'public, max-age=86400',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
} as const;

export const isPicturePath = (path: string): boolean => path.startsWith(PRODUCT_PICTURE_PATH);

/** The picture a request asks for, or why it is a bad request. */
export function parsePictureRequest(
  path: string,
  query: URLSearchParams,
): { picture: ProductPicture } | { error: string } {
  const file = path.slice(PRODUCT_PICTURE_PATH.length);
  const sku = file.endsWith('.svg') ? file.slice(0, -'.svg'.length) : '';
  if (!SKU.test(sku) || sku.length > MAX_SKU_LENGTH) return { error: 'not a product SKU' };
  const name = query.get('name') ?? sku;
  const category = query.get('category') ?? '';
  for (const [parameter, value] of [
    ['name', name],
    ['category', category],
  ] as const) {
    if (value.length > MAX_TEXT_LENGTH)
      return { error: `${parameter} is over ${MAX_TEXT_LENGTH} characters` };
    if (CONTROL_CHARACTER.test(value)) return { error: `${parameter} has control characters` };
  }
  return { picture: { sku, name: name.trim() || sku, category: category.trim() } };
}

/** Text as SVG character data or attribute value: markup in a name stays text. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** FNV-1a: a stable, well-spread number from the SKU, so colours differ between close SKUs. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  }
  return hash;
}

/** The first letter of the first two words, whole characters (not half an emoji). */
function initialsOf(name: string): string {
  const words = name.split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map((word) => Array.from(word)[0] ?? '')
    .join('')
    .toUpperCase();
}

/** At most `max` characters, with an ellipsis when cut: SVG text does not wrap. */
function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** The SVG of a product's picture, 4:3, drawn at any size the page asks for. */
export function renderProductPicture(picture: ProductPicture): string {
  const hash = hashOf(picture.sku);
  const hue = hash % 360;
  const accent = (hue + 40 + ((hash >>> 9) % 80)) % 360;
  const category = picture.category
    ? `<text x="12" y="22" font-family="system-ui, sans-serif" font-size="11" fill="#222">${escapeXml(clip(picture.category, 30))}</text>`
    : '';
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="150" viewBox="0 0 200 150">',
    `<rect width="200" height="150" fill="hsl(${hue}, 45%, 88%)"/>`,
    `<rect y="118" width="200" height="32" fill="hsl(${accent}, 40%, 95%)"/>`,
    category,
    `<circle cx="100" cy="66" r="34" fill="hsl(${hue}, 50%, 32%)"/>`,
    `<text x="100" y="75" font-family="system-ui, sans-serif" font-size="26" font-weight="700" fill="#fff" text-anchor="middle">${escapeXml(initialsOf(picture.name))}</text>`,
    `<text x="100" y="139" font-family="system-ui, sans-serif" font-size="12" fill="#111" text-anchor="middle">${escapeXml(clip(picture.name, 30))}</text>`,
    '</svg>',
  ].join('');
}
