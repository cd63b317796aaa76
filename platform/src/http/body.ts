import type { IncomingMessage } from 'node:http';
import { HttpError } from './respond';

/**
 * Reads a request body up to `limitBytes`. A larger body is refused with 413 as soon as it
 * is known to be too large (from Content-Length, or while streaming), without buffering it.
 */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) {
      // Stop reading; the connection is closed after the 413 so the rest is not read either.
      req.pause();
      throw tooLarge(limitBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than ${limitBytes} bytes.`, 'PAYLOAD_TOO_LARGE');
}
