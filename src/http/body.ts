/** Request bodies: read within a size limit, and handed to Yoga without a second read. */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * The request body, or 'too large' as soon as it is known to exceed `limit` bytes: at once when Content-Length
 * says so, else when the chunks read so far do. A refused body is drained, not kept, so that the 413 reaches the
 * client without a connection reset; server.requestTimeout bounds how long a client may keep sending.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  if (Number(req.headers['content-length']) > limit) {
    req.resume();
    return Promise.resolve('too large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).resume();
      resolve('too large');
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req
      .on('data', onData)
      .once('end', onEnd)
      .once('error', () => resolve('aborted'));
  });
}

/**
 * A body as text: JSON and GraphQL documents are UTF-8 (RFC 8259 §8.1), and bytes that are not UTF-8 are refused
 * (undefined) rather than read as U+FFFD, which would store something other than what the client sent.
 */
export const textOf = (body: Buffer): string | undefined => (isUtf8(body) ? body.toString('utf8') : undefined);

/** The content types Yoga reads as a JSON body, matched as Yoga matches them. */
const JSON_TYPES = ['application/json', 'application/graphql+json'];
const isJsonContentType = (header: string | undefined) => {
  const type = header?.split(',')[0];
  return JSON_TYPES.some((json) => type === json || !!type?.startsWith(`${json};`));
};

/**
 * Gives Yoga a body that was already read, as `req.body` (what Yoga's Node adapter takes after a body parser, as
 * Express's). A JSON object with fields goes parsed, which spares Yoga its stream plumbing (a web stream piped
 * through its size limit, which costs more than the rest of a small request); anything else goes as a stream (not a
 * Buffer: Yoga tells a parsed body from a raw one by Object.keys(), a string per byte), and Yoga answers it as it
 * would have.
 */
export function handToYoga(req: IncomingMessage, body: Buffer, text: string): void {
  let parsed: unknown;
  if (isJsonContentType(req.headers['content-type'])) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  const object = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length;
  (req as IncomingMessage & { body?: unknown }).body = object ? parsed : Readable.from([body], { objectMode: false });
}

/** GraphQL's answer to a body over the limit. */
export function sendBodyTooLarge(res: ServerResponse, limit: number): void {
  sendGraphQLError(res, 413, `Request body too large: the limit is ${limit} bytes.`, 'REQUEST_ENTITY_TOO_LARGE');
}

/** GraphQL's answer to a body that is not UTF-8 text. */
export function sendBodyNotUtf8(res: ServerResponse): void {
  sendGraphQLError(res, 400, 'The request body is not valid UTF-8, the only encoding JSON has.', 'BAD_REQUEST');
}

function sendGraphQLError(res: ServerResponse, status: number, message: string, code: string): void {
  const errors = [{ message, extensions: { code } }];
  send(res, status, 'application/json; charset=utf-8', JSON.stringify({ errors }));
}

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}
