/**
 * Standard Webhooks 1.0 signatures (symmetric `v1`): the endpoint secrets and the three headers every delivery
 * carries. Signed here with node:crypto alone, so that the npm `standardwebhooks` verifier in the tests checks an
 * implementation independent of its own.
 */
import { createHmac, randomBytes } from 'node:crypto';

export type SignatureHeaderName = 'webhook-id' | 'webhook-timestamp' | 'webhook-signature';

const PREFIX = 'whsec_';
/** The spec's bounds for a symmetric secret; we make 32-byte ones. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const NEW_SECRET_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A fresh endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(NEW_SECRET_BYTES).toString('base64');
}

/** The key bytes of a well-formed secret, else undefined. */
function keyOf(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from ignores stray bits in the last character: only the canonical spelling counts as a secret.
  if (key.toString('base64') !== encoded) return undefined;
  return key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : undefined;
}

/** Whether `value` is a Standard Webhooks symmetric secret: `whsec_` + canonical base64 of 24 to 64 bytes. */
export function isWebhookSecret(value: string): boolean {
  return keyOf(value) !== undefined;
}

/**
 * The headers of one delivery attempt. `webhook-signature` holds one `v1,<base64 HMAC-SHA256>` of
 * `{id}.{timestamp}.{body}` per secret, in the order given and separated by a space: while a secret is rotated the
 * old and the new one both sign, so receivers holding either accept. `body` must be exactly the bytes sent.
 */
export function signatureHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<SignatureHeaderName, string> {
  if (secrets.length === 0) throw new RangeError('a webhook needs at least one secret to be signed with');
  // The spec forbids '.' in the id, so that "{id}.{timestamp}.{body}" can be read only one way.
  if (id === '' || id.includes('.')) throw new RangeError('a webhook id must be non-empty and contain no "."');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('a webhook timestamp must be whole Unix seconds');
  }
  const signed = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret, index) => {
    const key = keyOf(secret);
    // The index, never the secret itself, so that the error can be logged.
    if (!key) throw new RangeError(`webhook secret #${index + 1} is not whsec_ + base64 of 24 to 64 bytes`);
    return `v1,${createHmac('sha256', key).update(signed, 'utf8').digest('base64')}`;
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
