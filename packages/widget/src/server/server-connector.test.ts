import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createVisitorTokens } from './server-connector';

const server = new URL('http://help.example/');
let stored: Map<string, string>;
let issued: number;
let now: number;
const realFetch = globalThis.fetch;

beforeEach(() => {
  stored = new Map();
  issued = 0;
  now = 1_000_000;
  Object.assign(globalThis, {
    localStorage: {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
      removeItem: (key: string) => stored.delete(key),
    },
    fetch: async (url: URL, init: RequestInit) => {
      assert.equal(url.href, 'http://help.example/v1/sessions/visitor');
      assert.deepEqual(JSON.parse(String(init.body)), { site: 'shop' });
      issued += 1;
      return new Response(
        JSON.stringify({
          token: `hlv_${issued}`,
          expiresAt: now + 3_600_000,
          visitor: { id: `v_${issued}` },
        }),
        { status: 201, headers: { 'content-type': 'application/json' } },
      );
    },
  });
});

afterEach(() => {
  globalThis.fetch = realFetch;
  Reflect.deleteProperty(globalThis, 'localStorage');
});

const tokens = () => createVisitorTokens({ server, site: 'shop', now: () => now });

describe('visitor tokens', () => {
  it('asks the server once, keeps the token per server and site, and reuses it after a reload', async () => {
    const [first, second] = await Promise.all([tokens().current(), tokens().current()]);
    assert.equal(issued, 2, 'two pages without a stored token each ask once');
    assert.equal((await tokens().current()).token, second?.token, 'a later page reuses the stored one');
    assert.equal(issued, 2);
    assert.ok(first);
    assert.deepEqual([...stored.keys()], ['helpline:visitor:http://help.example/:shop']);
  });

  it('renews a token about to expire before handing it out', async () => {
    const visitor = tokens();
    assert.equal((await visitor.current()).token, 'hlv_1');
    now += 3_600_000 - 30_000; // within the last minute
    assert.equal((await visitor.current()).token, 'hlv_2');
    assert.equal((await tokens().current()).token, 'hlv_2');
  });

  it('drops a refused stored token and says a new one is worth trying, but not for one issued just now', async () => {
    await tokens().current();
    const reloaded = tokens();
    assert.equal((await reloaded.current()).token, 'hlv_1');
    assert.equal(reloaded.refused(), true, 'the stored token was refused: try a new one');
    assert.equal(stored.size, 0);
    assert.equal((await reloaded.current()).token, 'hlv_2');
    assert.equal(reloaded.refused(), false, 'a token issued just now was refused: do not loop');
  });

  it("keeps the server's site/unknown, which retrying cannot fix", async () => {
    globalThis.fetch = async () =>
      new Response(
        JSON.stringify({ error: { code: 'site/unknown', message: 'Site shop is not configured.' } }),
        {
          status: 404,
        },
      );
    await assert.rejects(tokens().current(), {
      code: 'site/unknown',
      message: 'Site shop is not configured.',
    });
  });

  it('maps an HTTP 401 to auth/invalid-token', async () => {
    globalThis.fetch = async () =>
      new Response(JSON.stringify({ error: { code: 'auth/invalid-token' } }), { status: 401 });
    await assert.rejects(tokens().current(), { code: 'auth/invalid-token' });
  });
});
