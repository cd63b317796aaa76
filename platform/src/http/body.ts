import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendGraphQLHttpError } from './respond';

/**
 * Reads a request body up to `limitBytes`. A larger body is refused with 413 as soon as it
 * is known to be too large (from Content-Length, or while streaming), without buffering it;
 * the request is left open (paused), for `discardBody` to drop the rest before the answer.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFailure);
      req.off('close', onFailure);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else {
        req.pause();
        settle(() => reject(tooLarge(limitBytes)));
      }
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks, size)));
    // The client went away before the body was complete.
    const onFailure = (error?: Error) =>
      settle(() => reject(error ?? new Error('the request was aborted before its body was complete')));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFailure);
    req.once('close', onFailure);
  });
}

// What a refused body may still send before the 413 goes out: a client that uploads a body a
// few times too large reads the answer; one that keeps sending is cut off.
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

/**
 * Reads and drops the rest of a refused request's body, so its answer goes out once the client
 * has stopped sending: a socket closed while a client still uploads is reset, and the client
 * may lose the answer with it. Resolves true when the body ended; false when it went past
 * 16 MiB or 10 s, after destroying the connection (nothing more is read, nothing answered).
 */
export async function discardBody(req: IncomingMessage): Promise<boolean> {
  if (req.complete) return true;
  return new Promise((resolve) => {
    let discarded = 0;
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      req.off('close', onEnd);
      if (!ended) req.socket.destroy();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > DISCARD_MAX_BYTES) finish(false);
    };
    const onEnd = () => finish(req.complete);
    const timer = setTimeout(() => finish(false), DISCARD_MAX_MS);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onEnd);
    req.once('close', onEnd);
    req.resume();
  });
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than ${limitBytes} bytes.`, 'PAYLOAD_TOO_LARGE');
}

/**
 * Answers a request refused before it was read (413, a body too deep): a 413 once the client has
 * stopped sending (the connection then closes), or nothing when it would not stop.
 */
export async function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  error: HttpError,
): Promise<void> {
  if (error.status === 413) {
    if (!(await discardBody(req))) return;
    res.setHeader('connection', 'close');
  }
  sendGraphQLHttpError(res, error);
}
