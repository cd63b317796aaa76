import type { ReactNode } from 'react';
import { productPictureUrl } from '../server/product-picture-url';
import { formatMoney } from './format';
import { Link } from './router';

/** A product's generated placeholder picture (no external image hosts), with fixed size: no layout jump. */
export function ProductImage(props: {
  sku: string;
  name: string;
  category?: string;
  size?: 'card' | 'page';
}) {
  const [width, height] = props.size === 'page' ? [320, 240] : [200, 150];
  return (
    <img
      className="product-image"
      src={productPictureUrl(props)}
      width={width}
      height={height}
      alt={props.category ? `Picture of ${props.name} (${props.category})` : `Picture of ${props.name}`}
      // Cards further down a page load as they scroll into view; the product page's picture at once.
      loading={props.size === 'page' ? 'eager' : 'lazy'}
      decoding="async"
    />
  );
}

export interface ProductCardData {
  id: string;
  sku: string;
  name: string;
  price: { amount: number; currency: string };
  averageRating?: number | null;
  reviewCount?: number;
  inStock?: boolean | null;
  category?: { name: string } | null;
}

export function ProductCard({ product }: { product: ProductCardData }) {
  return (
    <li className="card">
      <Link to={`/product/${product.id}`}>
        <ProductImage sku={product.sku} name={product.name} category={product.category?.name} />
        <span className="card-name">{product.name}</span>
      </Link>
      <span className="price">{formatMoney(product.price)}</span>
      {product.inStock === false ? <span className="muted">Out of stock</span> : null}
      {product.reviewCount ? (
        <span className="muted">
          {product.averageRating?.toFixed(1)} / 5 ({product.reviewCount})
        </span>
      ) : null}
    </li>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A part of the page that could not be loaded: said where it is, the rest of the page stays. */
export function Unavailable({ what, children }: { what: string; children?: ReactNode }) {
  return (
    <div className="unavailable" role="alert">
      {what} {children ?? 'is unavailable right now. Please try again later.'}
    </div>
  );
}
