import { useSyncExternalStore } from 'react';

/** Who is logged in: the token, when it expires, and the user it is for. */
export interface Session {
  token: string;
  expiresAt: string;
  user: { id: string; name: string; email: string; role: 'CUSTOMER' | 'ADMIN' };
}

// Kept in localStorage so a reload stays logged in; dropped at its expiry or when the API says UNAUTHENTICATED.
const KEY = 'shop.session';
const listeners = new Set<() => void>();
let current: Session | null = read();
let expiryTimer: number | undefined;
scheduleExpiry();

function read(): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

function scheduleExpiry(): void {
  window.clearTimeout(expiryTimer);
  if (current)
    expiryTimer = window.setTimeout(() => setSession(null), Date.parse(current.expiresAt) - Date.now());
}

export function setSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  changed(session);
}

function changed(session: Session | null): void {
  current = session;
  scheduleExpiry();
  for (const listener of listeners) listener();
}

// Logged in or out in another tab: this one follows, so every tab (and its socket) has the same token.
window.addEventListener('storage', (event) => {
  if (event.key === KEY || event.key === null) changed(read());
});

export function sessionToken(): string | undefined {
  return current?.token;
}

/** Calls `listener` after each log in, log out or expiry; returns the function that stops it. */
export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(onSessionChange, () => current);
}
