import type { ReactNode } from 'react';
import { formatMoney } from './format';
import { Link } from './router';

/** A generated placeholder picture for a product (no external image hosts), with fixed size: no layout jump. */
export function ProductImage(props: { sku: string; name: string; size?: 'card' | 'page' }) {
  const [width, height] = props.size === 'page' ? [320, 240] : [200, 150];
  let hue = 0;
  for (const char of props.sku) hue = (hue * 31 + char.charCodeAt(0)) % 360;
  return (
    <svg
      className="product-image"
      width={width}
      height={height}
      viewBox="0 0 200 150"
      role="img"
      aria-label={props.name}
    >
      <rect width="200" height="150" fill={`hsl(${hue} 45% 85%)`} />
      <circle cx="100" cy="70" r="38" fill={`hsl(${hue} 45% 55%)`} />
      <text x="100" y="135" textAnchor="middle" fontSize="14" fill="#222">
        {props.sku}
      </text>
    </svg>
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
}

export function ProductCard({ product }: { product: ProductCardData }) {
  return (
    <li className="card">
      <Link to={`/product/${product.id}`}>
        <ProductImage sku={product.sku} name={product.name} />
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
