// The picture endpoint's contract, shared by the page and the server; it lives here because the
// storefront image ships server/ and dist/ only.

/** Where the storefront's server draws a product's placeholder picture (product-picture.ts). */
export const PRODUCT_PICTURE_PATH = '/images/products/';

/** The picture of a product: the SKU picks its colours, the name and category are written on it. */
export function productPictureUrl(product: { sku: string; name: string; category?: string }): string {
  const query = new URLSearchParams({ name: product.name });
  if (product.category) query.set('category', product.category);
  return `${PRODUCT_PICTURE_PATH}${encodeURIComponent(product.sku)}.svg?${query}`;
}
