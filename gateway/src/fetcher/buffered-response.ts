import type { FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import { Headers } from 'undici';

/** What one subgraph answered, read in full: cheap to hand to several waiting requests. */
export interface ReceivedAnswer {
  status: number;
  headers: readonly (readonly [string, string])[];
  body: string;
}

/**
 * A fetch Response over an answer already read: each request that shares an answer gets its
 * own, so each parses its own copy of the data (the gateway merges into what it parsed).
 */
export class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  private used = false;

  constructor(
    readonly url: string,
    private readonly answer: ReceivedAnswer,
  ) {
    this.headers = new Headers(answer.headers.map(([name, value]) => [name, value]));
  }

  get status(): number {
    return this.answer.status;
  }

  get ok(): boolean {
    return this.answer.status >= 200 && this.answer.status < 300;
  }

  get statusText(): string {
    return this.ok ? 'OK' : `HTTP ${this.answer.status}`;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    this.used = true;
    return this.answer.body;
  }

  async json(): Promise<unknown> {
    this.used = true;
    return JSON.parse(this.answer.body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.used = true;
    const bytes = Buffer.from(this.answer.body, 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.answer);
  }
}
