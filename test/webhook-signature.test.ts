/**
 * Webhook signatures (src/events/signature.ts) as a receiver checks them: with the npm `standardwebhooks`
 * verifier, which shares no code with our node:crypto signer, including while a secret is rotated.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isWebhookSecret, newWebhookSecret, signatureHeaders } from '../src/events/signature.js';

const BODY = JSON.stringify({
  id: 'evt_01',
  type: 'customer.updated',
  timestamp: '2025-01-01T00:00:00.000Z',
  data: { tenant: 'acme', name: 'Zoë' },
});
const now = () => Math.floor(Date.now() / 1000);
const secretOf = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('webhook secrets', () => {
  it('are whsec_ and base64 of 32 random bytes, new each time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(isWebhookSecret(secret)).toBe(true);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('are told apart from anything else: 24 to 64 bytes of canonical base64 after whsec_', () => {
    expect(isWebhookSecret(secretOf(24))).toBe(true);
    expect(isWebhookSecret(secretOf(64))).toBe(true);
    expect(isWebhookSecret(secretOf(23))).toBe(false);
    expect(isWebhookSecret(secretOf(65))).toBe(false);
    expect(isWebhookSecret(secretOf(32).slice('whsec_'.length))).toBe(false);
    expect(isWebhookSecret(`whsk_${secretOf(32).slice('whsec_'.length)}`)).toBe(false);
    expect(isWebhookSecret(`${secretOf(32)} `)).toBe(false);
    expect(isWebhookSecret(secretOf(32).replace('=', ''))).toBe(false);
    expect(isWebhookSecret(`whsec_${Buffer.alloc(32, 7).toString('base64url')}`)).toBe(false);
    // Same bytes as AAAA…A=, but a last character with stray low bits: not how base64 writes them.
    expect(isWebhookSecret(`whsec_${'A'.repeat(42)}B=`)).toBe(false);
    expect(isWebhookSecret('whsec_')).toBe(false);
  });
});

describe('signatureHeaders', () => {
  it('matches the published example (Svix docs) byte for byte', () => {
    const headers = signatureHeaders(
      ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('signs so that standardwebhooks verifies, and says the same as its own signer', () => {
    const secret = newWebhookSecret();
    const timestamp = now();
    const headers = signatureHeaders([secret], 'evt_01', timestamp, BODY);
    expect(headers['webhook-id']).toBe('evt_01');
    expect(headers['webhook-timestamp']).toBe(String(timestamp));
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('evt_01', new Date(timestamp * 1000), BODY));
  });

  it('signs with both secrets while one is rotated: a receiver holding either one accepts', () => {
    const [previous, next] = [newWebhookSecret(), newWebhookSecret()];
    const timestamp = now();
    const headers = signatureHeaders([previous, next], 'evt_02', timestamp, BODY);
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures[0]).toBe(signatureHeaders([previous], 'evt_02', timestamp, BODY)['webhook-signature']);
    expect(signatures[1]).toBe(signatureHeaders([next], 'evt_02', timestamp, BODY)['webhook-signature']);
    expect(new Webhook(previous).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new Webhook(next).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it('is refused by standardwebhooks for a tampered body, a wrong secret and a stale timestamp', () => {
    const secret = newWebhookSecret();
    const headers = signatureHeaders([secret], 'evt_03', now(), BODY);
    expect(() => new Webhook(secret).verify(BODY.replace('Zoë', 'Zoe'), headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(newWebhookSecret()).verify(BODY, headers)).toThrow(/No matching signature/);
    // Its tolerance is 5 minutes: an attempt signed 10 minutes ago is a replay.
    const stale = signatureHeaders([secret], 'evt_03', now() - 600, BODY);
    expect(() => new Webhook(secret).verify(BODY, stale)).toThrow(/too old/);
    // A signature carried over to another id does not verify either.
    expect(() => new Webhook(secret).verify(BODY, { ...headers, 'webhook-id': 'evt_04' })).toThrow(/No matching/);
  });

  it('refuses to sign without a well-formed secret, with a "." in the id, or with a timestamp that is no integer', () => {
    const secret = newWebhookSecret();
    expect(() => signatureHeaders([], 'evt_05', now(), BODY)).toThrow(/at least one secret/);
    expect(() => signatureHeaders([secret, 'whsec_short'], 'evt_05', now(), BODY)).toThrow(/secret #2 /);
    expect(() => signatureHeaders([secret, 'whsec_short'], 'evt_05', now(), BODY)).not.toThrow(/whsec_short/);
    expect(() => signatureHeaders([secret], 'evt.05', now(), BODY)).toThrow(/"\."/);
    expect(() => signatureHeaders([secret], 'evt_05', Date.now() / 1000, BODY)).toThrow(/whole Unix seconds/);
  });
});
