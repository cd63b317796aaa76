/** Money as the API gives it (minor units and an ISO currency), formatted for people. */
export function formatMoney(money: { amount: number; currency: string }): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: money.currency }).format(
    money.amount / 100,
  );
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}
