import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { isHelplineError } from '@helpline/core';
import { signMessagesWebhook as sign } from './messaging.fake';
import { createMessagesWebhookVerifier } from './messaging.signature';
import { normalizeInbound, normalizeStatus } from './messaging.webhook';

const SECRET = 'messages-signature-secret-for-tests';
const APP = '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b';

describe('Messages webhook signatures', () => {
  const now = Date.UTC(2026, 11, 6, 9);
  const iat = Math.floor(now / 1000);
  const verifier = createMessagesWebhookVerifier({
    secret: SECRET,
    applicationId: APP,
    maxAgeSeconds: 300,
    now: () => now,
  });
  const body = Buffer.from('{"message_uuid":"aaaaaaaa-1111","status":"delivered"}');
  const refusedFor = (detail: RegExp) => (error: unknown) =>
    isHelplineError(error) && error.code === 'messaging/webhook-refused' && detail.test(error.message);

  it('accepts a genuine signature once', async () => {
    const authorization = await sign(SECRET, APP, body, { iat, jti: 'j1' });
    await verifier.verify(authorization, body);
    await assert.rejects(verifier.verify(authorization, body), refusedFor(/replayed/));
  });

  it('refuses a forged, expired, tampered, foreign or missing signature with messaging/webhook-refused', async () => {
    await assert.rejects(
      verifier.verify(await sign(SECRET, APP, body, { iat, secret: 'guessed-secret' }), body),
      refusedFor(/signature does not verify/),
    );
    await assert.rejects(
      verifier.verify(await sign(SECRET, APP, body, { iat: iat - 400 }), body),
      refusedFor(/expired/),
    );
    await assert.rejects(
      verifier.verify(await sign(SECRET, APP, body, { iat, hashOf: Buffer.from('{"status":"read"}') }), body),
      refusedFor(/payload_hash/),
    );
    await assert.rejects(
      verifier.verify(await sign(SECRET, APP, body, { iat, applicationId: randomUUID() }), body),
      refusedFor(/another application/),
    );
    await assert.rejects(verifier.verify(undefined, body), refusedFor(/no signature/));
  });
});

describe('Messages webhook bodies', () => {
  const base = {
    channel: 'whatsapp',
    message_uuid: 'aaaaaaaa-0000-4000-8000-000000000001',
    to: '14155550101',
    from: '447700900001',
    timestamp: '2026-12-06T09:00:00Z',
  };

  it('normalizes text, media, replies and buttons; keeps fields Vonage adds later', () => {
    const text = normalizeInbound({
      ...base,
      message_type: 'text',
      text: 'Hi',
      usage: { price: '0.01' },
      context: { message_uuid: 'bbbbbbbb-1' },
    });
    assert.equal(text.text, 'Hi');
    assert.equal(text.from, '+447700900001');
    assert.equal(text.inReplyTo, 'bbbbbbbb-1');
    assert.equal(text.at, Date.parse('2026-12-06T09:00:00Z'));
    const video = normalizeInbound({
      ...base,
      message_type: 'video',
      video: { url: 'https://m.example/v.mp4', caption: 'Look' },
    });
    assert.deepEqual(video.media, [
      { kind: 'video', url: 'https://m.example/v.mp4', caption: 'Look', name: undefined },
    ]);
    assert.equal(video.text, 'Look');
    assert.equal(
      normalizeInbound({ ...base, message_type: 'reply', reply: { id: 'r1', title: 'Yes please' } }).text,
      'Yes please',
    );
    assert.equal(
      normalizeInbound({ ...base, message_type: 'button', button: { text: 'Track order' } }).text,
      'Track order',
    );
    assert.equal(
      normalizeInbound({ ...base, message_type: 'sticker', sticker: { url: 'https://m.example/s.webp' } })
        .media[0]?.kind,
      'image',
    );
  });

  it('refuses media over http, an unknown channel, and text over the limit, naming the field', () => {
    const field = (body: unknown, name: string) =>
      assert.throws(
        () => normalizeInbound(body),
        (error: unknown) => isHelplineError(error) && error.field === name,
      );
    field({ ...base, message_type: 'image', image: { url: 'http://m.example/i.jpg' } }, 'image.url');
    field({ ...base, channel: 'viber_service', message_type: 'text', text: 'Hi' }, 'channel');
    field({ ...base, message_type: 'text', text: 'a'.repeat(4_097) }, 'text');
  });

  it('maps statuses to receipts and keeps the reason of a failure', () => {
    const receipts = ['submitted', 'delivered', 'read', 'rejected', 'undeliverable'].map(
      (status) => normalizeStatus({ ...base, status }).receipt,
    );
    assert.deepEqual(receipts, ['sent', 'delivered', 'read', 'failed', 'failed']);
    const rejected = normalizeStatus({
      ...base,
      status: 'rejected',
      error: {
        type: 'https://developer.vonage.com/api-errors/messages#1340',
        title: 1340,
        detail: 'Outside the allowed window',
      },
    });
    assert.deepEqual(rejected.error, { code: '1340', detail: 'Outside the allowed window' });
  });
});
