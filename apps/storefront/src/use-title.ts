import { useEffect } from 'react';

/** Every screen sets its own title. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Shop`;
  }, [title]);
}
