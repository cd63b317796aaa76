import { useEffect } from 'react';

interface Pollable {
  startPolling(interval: number): void;
  stopPolling(): void;
}

/** Polls a query every `interval` ms while `on`: a live part whose socket failed still moves. */
export function usePollingFallback({ startPolling, stopPolling }: Pollable, on: boolean, interval: number) {
  useEffect(() => {
    if (on) startPolling(interval);
    else stopPolling();
  }, [on, interval, startPolling, stopPolling]);
}
