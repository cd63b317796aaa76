import type { ReactNode } from 'react';
import { useSession } from '../session';

/** A back-office screen: shown to admins only (the API refuses the others whatever the UI shows). */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const session = useSession();
  if (session?.user.role === 'ADMIN') return children;
  return (
    <>
      <h1>{title}</h1>
      <p role="alert">The back office is for the shop's admins.</p>
    </>
  );
}
