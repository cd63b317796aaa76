/**
 * The gateway proofs' nonces one subgraph replica has accepted, each kept until its proof's
 * timestamp leaves the window: a captured request sent again within the window is a replay.
 * Only proofs whose signature verified get here, so nobody without a secret can fill it.
 */
export class SeenNonces {
  // Insertion order is nearly expiry order (proofs arrive about when they are signed).
  private readonly expiries = new Map<string, number>();

  /** Records `nonce` until `expiresAt` (ms); false when it was seen before and has not expired. */
  remember(nonce: string, expiresAt: number, now: number): boolean {
    this.forgetExpired(now);
    const known = this.expiries.get(nonce);
    if (known !== undefined && known >= now) return false;
    this.expiries.set(nonce, expiresAt);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expiresAt] of this.expiries) {
      if (expiresAt >= now) return;
      this.expiries.delete(nonce);
    }
  }
}
