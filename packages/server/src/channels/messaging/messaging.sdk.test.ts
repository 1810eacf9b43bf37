// The real @vonage/messages client against a loopback stand-in for the Messages API: what our SDK messages become
// on the wire, and what its refusals become as our typed errors. Plus the inbound media fetcher.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isHelplineError } from '@helpline/core';
import { Messages } from '@vonage/messages';
import { type FakeMessagesApi, startFakeMessagesApi } from './messaging.fake';
import { createMediaFetcher } from './messaging.media';
import { buildSdkMessage, mapSendError } from './messaging.sender';

let api: FakeMessagesApi;
let client: Messages;

before(async () => {
  api = await startFakeMessagesApi();
  client = new Messages({ apiKey: 'key1234', apiSecret: 'secret5678' }, { apiHost: api.url });
});
after(() => api.close());

const parties = { from: '+14155550101', to: '+447700900001', clientRef: 'c1:m1' };

describe('the SDK on the wire', () => {
  it('posts our messages to /v1/messages in Vonage’s shape, numbers without +, our id as client_ref', async () => {
    const sms = await client.send(buildSdkMessage('sms', parties, { kind: 'text', text: 'Hi' }));
    assert.equal(sms.messageUUID, api.requests[0]?.messageUuid);
    await client.send(
      buildSdkMessage('whatsapp', parties, {
        kind: 'template',
        name: 'follow_up',
        locale: 'en_US',
        parameters: ['Ann'],
      }),
    );
    await client.send(
      buildSdkMessage(
        'messenger',
        { ...parties, from: '107083064136738', to: '3476543210' },
        {
          kind: 'image',
          url: 'https://files.example/a/1',
        },
      ),
    );
    assert.equal(api.requests[0]?.path, '/v1/messages');
    assert.equal(
      api.requests[0]?.authorization,
      `Basic ${Buffer.from('key1234:secret5678').toString('base64')}`,
    );
    assert.deepEqual(api.requests[0]?.body, {
      channel: 'sms',
      message_type: 'text',
      text: 'Hi',
      to: '447700900001',
      from: '14155550101',
      client_ref: 'c1:m1',
    });
    assert.deepEqual(api.requests[1]?.body.template, { name: 'follow_up', parameters: ['Ann'] });
    assert.deepEqual(api.requests[1]?.body.whatsapp, { policy: 'deterministic', locale: 'en_US' });
    assert.equal(api.requests[1]?.body.message_type, 'template');
    assert.deepEqual(api.requests[2]?.body.messenger, { category: 'response' });
    assert.deepEqual(api.requests[2]?.body.image, { url: 'https://files.example/a/1' });
  });

  it('turns the SDK’s refusals into typed errors: a window refusal, a 401, a 503 to retry', async () => {
    const refusedWith = async (status: number, body: Record<string, unknown>) => {
      api.refuseNext(status, body);
      try {
        await client.send(buildSdkMessage('whatsapp', parties, { kind: 'text', text: 'Hi' }));
      } catch (error) {
        return mapSendError(error, 'send a whatsapp text');
      }
      throw new Error('the send did not fail');
    };
    const window = await refusedWith(422, {
      type: 'https://developer.vonage.com/api-errors/messages#1340',
      title: 'Outside the allowed window',
    });
    assert.equal(window.code, 'messaging/window-closed');
    const credentials = await refusedWith(401, {
      type: 'https://developer.vonage.com/api-errors#unauthorized',
      title: 'Unauthorized',
      detail: 'Invalid credentials',
    });
    assert.equal(credentials.code, 'messaging/vonage-api');
    assert.match(credentials.message, /401 to send a whatsapp text \(Unauthorized: Invalid credentials\)/);
    assert.equal(credentials.retryAfterMs, undefined);
    const down = await refusedWith(503, {});
    assert.equal(down.retryAfterMs, 5_000);
  });

  it('refuses what a channel cannot carry before anything is sent', () => {
    assert.throws(
      () => buildSdkMessage('sms', parties, { kind: 'image', url: 'https://files.example/a/1' }),
      (error: unknown) => isHelplineError(error) && error.code === 'messaging/unsupported',
    );
    assert.throws(
      () =>
        buildSdkMessage('messenger', parties, { kind: 'template', name: 'x', locale: 'en', parameters: [] }),
      (error: unknown) => isHelplineError(error) && error.code === 'messaging/unsupported',
    );
  });
});

describe('the inbound media fetcher', () => {
  const asked: { url: string; headers: Record<string, string> }[] = [];
  const fetcher = (body: string, headers: Record<string, string> = {}) =>
    createMediaFetcher({
      maxBytes: 10,
      authorize: async () => ({ authorization: 'Bearer app-jwt' }),
      fetch: (async (url: string, init?: RequestInit) => {
        asked.push({ url, headers: (init?.headers ?? {}) as Record<string, string> });
        return new Response(body, { headers: { 'content-type': 'image/jpeg; charset=binary', ...headers } });
      }) as typeof fetch,
    });

  it('sends our credentials to Vonage’s media hosts only, and returns the bytes and type', async () => {
    const media = await fetcher('12345')('https://api-eu.nexmo.com/v3/media/abc');
    assert.equal(new TextDecoder().decode(media.bytes), '12345');
    assert.equal(media.type, 'image/jpeg');
    await fetcher('12345')('https://lookaside.fbsbx.com/ig_messaging_cdn/?asset=1');
    assert.deepEqual(
      asked.map((a) => a.headers),
      [{ authorization: 'Bearer app-jwt' }, {}],
    );
  });

  it('refuses a file over the limit (declared or read) and a URL that is not https', async () => {
    const media = (error: unknown) => isHelplineError(error) && error.code === 'messaging/media';
    await assert.rejects(fetcher('x'.repeat(11))('https://m.example/big'), media);
    await assert.rejects(fetcher('x', { 'content-length': '999' })('https://m.example/big'), media);
    await assert.rejects(fetcher('x')('http://m.example/plain'), media);
  });
});
