import { useSyncExternalStore } from 'react';

/** A cart line as the shopper saw it; prices and stock are read again before checkout. */
export interface CartLine {
  productId: string;
  name: string;
  price: { amount: number; currency: string };
  quantity: number;
}

// Kept in localStorage: the cart survives reloads.
const KEY = 'shop.cart';
const listeners = new Set<() => void>();
let lines: CartLine[] = read();

function read(): CartLine[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as CartLine[];
  } catch {
    return [];
  }
}

function write(next: CartLine[]): void {
  lines = next;
  localStorage.setItem(KEY, JSON.stringify(next));
  for (const listener of listeners) listener();
}

export function addToCart(line: Omit<CartLine, 'quantity'>, quantity = 1): void {
  const existing = lines.find((item) => item.productId === line.productId);
  write(
    existing
      ? lines.map((item) =>
          item.productId === line.productId
            ? { ...item, quantity: Math.min(100, item.quantity + quantity) }
            : item,
        )
      : [...lines, { ...line, quantity }],
  );
}

export function setQuantity(productId: string, quantity: number): void {
  write(
    quantity <= 0
      ? lines.filter((item) => item.productId !== productId)
      : lines.map((item) =>
          item.productId === productId ? { ...item, quantity: Math.min(100, quantity) } : item,
        ),
  );
}

export function clearCart(): void {
  write([]);
}

export function useCart(): CartLine[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => lines,
  );
}

/** The price read again before checkout replaces the one the shopper saw when adding the product. */
export function updatePrice(productId: string, price: CartLine['price']): void {
  write(lines.map((item) => (item.productId === productId ? { ...item, price } : item)));
}
