import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { HelplineServer } from './server';
import {
  activeChat,
  http,
  SHOP_IDENTITY_SECRET,
  SITE_ORIGIN,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
  visitorToken,
} from './testing/harness';

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

async function server(options: Parameters<typeof startTestServer>[0] = {}) {
  const started = await startTestServer(options);
  servers.push(started);
  return started;
}

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

describe('HTTP API', () => {
  it('answers health and readiness, typed errors for unknown routes and methods', async () => {
    const s = await server();
    assert.deepEqual((await http(s, '/healthz')).body, { ok: true });
    assert.deepEqual((await http(s, '/readyz')).body, { ok: true, storage: 'pglite' });
    const missing = await http(s, '/v1/nothing');
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { error: { code: string } }).error.code, 'not-found');
    assert.equal((await http(s, '/v1/sessions/visitor')).status, 405);
  });

  it('creates anonymous visitors, and identified ones from a host-signed JWT', async () => {
    const s = await server();
    const anonymous = await http(s, '/v1/sessions/visitor', { body: { site: 'shop' } });
    assert.equal(anonymous.status, 201);
    const body = anonymous.body as { token: string; visitor: { id: string; identified: boolean } };
    assert.match(body.token, /^hlv_[0-9a-f]{32}$/);
    assert.equal(body.visitor.identified, false);
    const second = (await http(s, '/v1/sessions/visitor', { body: { site: 'shop' } })).body as typeof body;
    assert.notEqual(second.visitor.id, body.visitor.id);

    const now = Math.floor(Date.now() / 1000);
    const identity = await new SignJWT({ name: 'Ada Lovelace', email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('customer-42')
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(SHOP_IDENTITY_SECRET));
    const vouched = await http(s, '/v1/sessions/visitor', { body: { site: 'shop', identity } });
    assert.equal(vouched.status, 201);
    const known = vouched.body as {
      token: string;
      visitor: { id: string; identified: boolean; name: string };
    };
    assert.equal(known.visitor.identified, true);
    assert.equal(known.visitor.name, 'Ada Lovelace');
    const again = (await http(s, '/v1/sessions/visitor', { body: { site: 'shop', identity } }))
      .body as typeof known;
    assert.equal(again.visitor.id, known.visitor.id, 'the same customer keeps one id');
    const client = await TestClient.connect(s.socketUrl, known.token);
    clients.push(client);
    const { interaction } = await client.ok('chat.start', { channel: 'chat' });
    assert.equal(interaction.customer.name, 'Ada Lovelace');
    assert.equal(interaction.customer.email, 'ada@example.com');
    assert.equal(interaction.customer.identified, true);

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('wrong-secret-wrong-secret-wrong-secret'));
    const refused = await http(s, '/v1/sessions/visitor', { body: { site: 'shop', identity: forged } });
    assert.equal(refused.status, 401);
    const ahead = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('customer-42')
      .setIssuedAt(now + 600)
      .setExpirationTime(now + 900)
      .sign(new TextEncoder().encode(SHOP_IDENTITY_SECRET));
    const early = await http(s, '/v1/sessions/visitor', { body: { site: 'shop', identity: ahead } });
    assert.equal(early.status, 401);
    assert.match(JSON.stringify(early.body), /auth\/invalid-token.*issued in the future/);
    assert.equal(
      (await http(s, '/v1/sessions/visitor', { body: { site: 'other', identity } })).status,
      403,
      'site without identity',
    );
    assert.equal((await http(s, '/v1/sessions/visitor', { body: { site: 'nope' } })).status, 404);
    const extra = await http(s, '/v1/sessions/visitor', { body: { site: 'shop', admin: true } });
    assert.equal(extra.status, 400);
  });

  it('refuses bodies that are too large or not JSON, and rate-limits by address', async () => {
    const s = await server({
      config: {
        ...TEST_CONFIG,
        limits: { ...TEST_CONFIG.limits, visitorSessions: { burst: 3, perMinute: 1 } },
      },
    });
    const big = await http(s, '/v1/sessions/visitor', { body: JSON.stringify({ site: 'x'.repeat(20_000) }) });
    assert.equal(big.status, 413);
    assert.equal((big.body as { error: { code: string } }).error.code, 'limit/size');
    const text = await http(s, '/v1/sessions/visitor', {
      body: '{',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(text.status, 400);
    const plain = await http(s, '/v1/sessions/visitor', {
      body: 'site=shop',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(plain.status, 400, 'a form post cannot create sessions cross-site');
    const limited = await http(s, '/v1/sessions/visitor', { body: { site: 'shop' } });
    assert.equal(limited.status, 429);
    const error = (limited.body as { error: { code: string; retryAfterMs: number } }).error;
    assert.equal(error.code, 'limit/rate');
    assert.ok(error.retryAfterMs > 0);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });

  it('allows CORS only for configured origins', async () => {
    const s = await server();
    const allowed = await http(s, '/v1/sites/shop/config', { headers: { origin: SITE_ORIGIN } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), SITE_ORIGIN);
    const denied = await http(s, '/v1/sites/shop/config', { headers: { origin: 'https://evil.example' } });
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${s.url}/v1/sessions/visitor`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 403);
    const ok = await fetch(`${s.url}/v1/sessions/visitor`, {
      method: 'OPTIONS',
      headers: { origin: 'https://crm.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(ok.status, 204);
  });

  it('serves the widget config of a site: queues open now, topics, prechat, callback slots in the visitor zone', async () => {
    const closedAllWeek = {
      timeZone: 'Europe/Amsterdam',
      weekly: Object.fromEntries(
        ['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ open: '00:00', close: '00:01' }]]),
      ),
    };
    const s = await server({
      config: {
        ...TEST_CONFIG,
        queues: [
          { id: 'support', name: 'Support', closedAlternative: 'callback', businessHours: closedAllWeek },
          { id: 'sales', name: 'Sales' },
        ],
        sites: [
          {
            id: 'shop',
            origins: [SITE_ORIGIN],
            topics: [
              { id: 'help', label: { en: 'Help', nl: 'Hulp', ar: 'مساعدة' }, queueId: 'support' },
              { id: 'buy', label: 'Buy', queueId: 'sales' },
            ],
            prechat: [{ name: 'name', label: { en: 'Name', nl: 'Naam' }, required: true }],
            csat: false,
            theme: { accent: '#123456' },
          },
        ],
      },
    });
    const { status, body } = await http(s, '/v1/sites/shop/config?tz=America/New_York');
    assert.equal(status, 200);
    const config = body as {
      csat: boolean;
      theme: Record<string, string>;
      topics: { id: string; open: boolean; label: unknown }[];
      queues: { id: string; open: boolean; alternative?: string; callbackSlots?: unknown[] }[];
      prechat: { name: string; label: unknown }[];
    };
    assert.equal(config.csat, false);
    assert.equal(config.theme.accent, '#123456');
    assert.deepEqual(
      config.topics.map((t) => [t.id, t.open]),
      [
        ['help', false],
        ['buy', true],
      ],
    );
    const support = config.queues.find((q) => q.id === 'support');
    assert.equal(support?.alternative, 'callback');
    assert.ok(Array.isArray(support?.callbackSlots));
    assert.equal(config.prechat[0]?.name, 'name');
    // Translated labels go to the widget whole: it shows the visitor's language and can switch without a fetch.
    assert.deepEqual(config.topics[0]?.label, { en: 'Help', nl: 'Hulp', ar: 'مساعدة' });
    assert.deepEqual(config.prechat[0]?.label, { en: 'Name', nl: 'Naam' });
    assert.equal((await http(s, '/v1/sites/shop/config?tz=Mars/Base')).status, 400);
    assert.equal((await http(s, '/v1/sites/nope/config')).status, 404);
  });

  it('requests callbacks like the callback.request command, validating E.164', async () => {
    const s = await server();
    const { token } = await visitorToken(s);
    const bad = await http(s, '/v1/callbacks', {
      token,
      body: { phone: '0612345678', timeZone: 'Europe/Amsterdam', slot: 'asap' },
    });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: { field: string } }).error.field, 'phone');
    const made = await http(s, '/v1/callbacks', {
      token,
      body: { phone: '+31612345678', timeZone: 'Europe/Amsterdam', slot: 'asap', queueId: 'support' },
    });
    assert.equal(made.status, 201);
    const { cid, interaction } = made.body as {
      cid: string;
      interaction: { channel: string; state: string };
    };
    assert.equal(interaction.channel, 'callback');
    assert.equal(interaction.state, 'queued');
    assert.equal((await s.storage.getInteraction(cid))?.interaction.customer.phone, '+31612345678');
  });

  it('downloads a plain-text transcript rendered by the one renderer', async () => {
    const s = await server();
    const { visitor, agent, cid, visitorToken: token } = await activeChat(s);
    clients.push(visitor, agent);
    await visitor.ok('message.send', {
      cid,
      clientMsgId: uuid(1),
      text: 'Hi <script>alert(1)</script> **bold**',
    });
    await agent.ok('message.send', { cid, clientMsgId: uuid(2), text: 'See https://example.com/help' });
    const { status, text, headers } = await http(s, `/v1/conversations/${cid}/transcript.txt`, { token });
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(
      headers.get('content-disposition') ?? '',
      new RegExp(`attachment; filename="transcript-${cid}.txt"`),
    );
    assert.match(text, new RegExp(`^Conversation ${cid}\n`));
    assert.match(text, /Visitor: Hi <script>alert\(1\)<\/script> bold/);
    assert.match(text, /Alice: See https:\/\/example\.com\/help/);
    assert.match(text, /— Alice joined/);
    // Alice transfers with an internal note: the customer's transcript never shows it; a supervisor's does, and
    // Alice's own ends with her leave.
    // Away first, so the chat is not offered straight back to her.
    await agent.ok('presence.set', { status: 'away', reason: 'break' });
    await agent.ok('transfer', { cid, toQueueId: 'sales', note: 'VIP, card 4111 1111 1111 1111' });
    await agent.ok('message.send', { cid, clientMsgId: uuid(3), text: 'too late' }).catch(() => undefined);
    await visitor.ok('message.send', { cid, clientMsgId: uuid(4), text: 'Still there?' });
    const mine = await http(s, `/v1/conversations/${cid}/transcript.txt`, { token });
    assert.doesNotMatch(mine.text, /VIP|Note/);
    assert.match(mine.text, /Still there\?/);
    const supervisor = await http(s, `/v1/conversations/${cid}/transcript.txt`, {
      token: await staffToken('sam'),
    });
    assert.match(supervisor.text, /Note: VIP, card/);
    assert.doesNotMatch(supervisor.text, /4111 1111 1111 1111/);
    const former = await http(s, `/v1/conversations/${cid}/transcript.txt`, {
      token: await staffToken('alice'),
    });
    assert.equal(former.status, 200);
    assert.match(former.text, /Note: VIP/);
    assert.doesNotMatch(former.text, /Still there/, 'a former agent reads up to their leave');
  });

  it('issues demo tokens only in dev mode, and says so loudly in the log', async () => {
    const logLines: string[] = [];
    const s = await server({ dev: true, logLines });
    assert.ok(logLines.some((line) => line.includes('"level":"warn"') && line.includes('DEVELOPMENT MODE')));
    const agent = await http(s, '/v1/dev/tokens', { body: { role: 'agent', id: 'alice', name: 'Alice' } });
    assert.equal(agent.status, 201);
    const staff = await TestClient.connect(s.socketUrl, (agent.body as { token: string }).token, {
      site: '',
      origin: null,
    });
    clients.push(staff);
    assert.deepEqual(staff.welcome?.subject, { id: 'alice', role: 'agent', name: 'Alice' });
    const sam = await http(s, '/v1/dev/tokens', { body: { role: 'supervisor', id: 'sam' } });
    assert.equal(sam.status, 201);
    const supervisor = await TestClient.connect(s.socketUrl, (sam.body as { token: string }).token, {
      site: '',
      origin: null,
    });
    clients.push(supervisor);
    assert.equal(supervisor.welcome?.subject.role, 'supervisor');
    // The configuration decides the role, in dev mode too.
    const promoted = await http(s, '/v1/dev/tokens', { body: { role: 'supervisor', id: 'alice' } });
    assert.equal(promoted.status, 400);
    assert.match(JSON.stringify(promoted.body), /"field":"role"/);
    assert.match(JSON.stringify(promoted.body), /must be agent/);
    const stranger = await http(s, '/v1/dev/tokens', { body: { role: 'agent', id: 'mallory' } });
    assert.equal(stranger.status, 404);
    const visitor = await http(s, '/v1/dev/tokens', {
      body: { role: 'visitor', id: 'demo-visitor', name: 'Dee' },
    });
    const client = await TestClient.connect(s.socketUrl, (visitor.body as { token: string }).token);
    clients.push(client);
    assert.deepEqual(client.welcome?.subject, { id: 'demo-visitor', role: 'visitor', name: 'Dee' });
  });
});
