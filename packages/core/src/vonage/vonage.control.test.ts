import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vonageHttpControl } from './vonage.control';

interface Sent {
  readonly url: string;
  readonly method: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

function fakeFetch(reply: (url: string) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const doFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(url),
      method: init?.method,
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)),
    });
    return reply(String(url));
  }) as typeof fetch;
  return { sent, doFetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('vonageHttpControl', () => {
  it('fetches the Vonage token with the Helpline token as a bearer, never in the URL', async () => {
    const { sent, doFetch } = fakeFetch(() =>
      json(200, { token: 'vonage.jwt.here', expiresAt: 1, user: 'u' }),
    );
    const control = vonageHttpControl({
      baseUrl: 'https://help.example/',
      token: () => 'hlv_secret',
      fetch: doFetch,
    });
    assert.equal(await control.token(), 'vonage.jwt.here');
    assert.equal(sent[0]?.url, 'https://help.example/vonage/token');
    assert.equal(sent[0]?.method, 'POST');
    assert.equal(sent[0]?.headers.authorization, 'Bearer hlv_secret');
    assert.ok(!sent[0]?.url.includes('hlv_secret'));
  });

  it('posts hold and dial to their routes', async () => {
    const { sent, doFetch } = fakeFetch(() => json(200, {}));
    const control = vonageHttpControl({
      baseUrl: 'https://help.example',
      token: async () => 'jwt',
      fetch: doFetch,
    });
    await control.hold('c 1', true);
    await control.dial('cb1');
    assert.deepEqual(
      sent.map((s) => [s.url, s.body]),
      [
        ['https://help.example/vonage/calls/c%201/hold', { held: true }],
        ['https://help.example/vonage/callbacks/cb1/dial', {}],
      ],
    );
  });

  it("rejects with the server's typed error, and with voice/vonage-network when the server is unreachable", async () => {
    const refused = vonageHttpControl({
      baseUrl: 'https://help.example',
      token: () => 'jwt',
      fetch: fakeFetch(() =>
        json(403, { error: { code: 'auth/forbidden', message: 'You are not allowed to hold.' } }),
      ).doFetch,
    });
    await assert.rejects(refused.hold('c1', true), {
      code: 'auth/forbidden',
      message: 'You are not allowed to hold.',
    });
    const offline = vonageHttpControl({
      baseUrl: 'https://help.example',
      token: () => 'jwt',
      fetch: fakeFetch(() => Promise.reject(new TypeError('fetch failed'))).doFetch,
    });
    await assert.rejects(offline.token(), { code: 'voice/vonage-network' });
    const empty = vonageHttpControl({
      baseUrl: 'https://help.example',
      token: () => 'jwt',
      fetch: fakeFetch(() => json(200, {})).doFetch,
    });
    await assert.rejects(empty.token(), { code: 'voice/vonage-token' });
  });
});
