import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { ConfigInput } from '../config/config';
import type { HelplineServer } from '../server';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import {
  http,
  SHOP_IDENTITY_SECRET,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  TestClient,
  visitorToken,
} from '../testing/harness';
import { crmWebhook } from './customers.crm';
import type { CrmLookup } from './customers.directory';
import { freshPostgresStorage } from './customers.testing';

// Customers over the real server and protocol: resolution when a chat starts, the screen pop, who may read and
// change records, and the host CRM's resolver — on PGlite and on PostgreSQL.

/** Alice serves support, Bob sales only; Sam supervises. */
const CONFIG: ConfigInput = {
  ...TEST_CONFIG,
  agents: [
    { id: 'alice', name: 'Alice', queues: ['support'] },
    { id: 'bob', name: 'Bob', queues: ['sales'] },
    { id: 'sam', name: 'Sam', role: 'supervisor' },
  ],
};

const clients: TestClient[] = [];
const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const client of clients) client.close();
  for (const close of closing.reverse()) await close();
});

/** A visitor signed in by the shop: a host JWT whose email and phone the shop verified (or not). */
async function signedVisitor(server: HelplineServer, sub: string, claims: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  const identity = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(SHOP_IDENTITY_SECRET));
  const { status, body } = await http(server, '/v1/sessions/visitor', { body: { site: 'shop', identity } });
  assert.equal(status, 201);
  return (body as { token: string }).token;
}

async function connect(server: HelplineServer, token: string, staff = false) {
  const client = await TestClient.connect(server.socketUrl, token, staff ? { site: '', origin: null } : {});
  clients.push(client);
  return client;
}

/** A chat the visitor behind `token` starts in `queueId`, accepted by `agent`. */
async function chat(
  agent: TestClient,
  visitor: TestClient,
  queueId = 'support',
  prechat?: Record<string, string>,
): Promise<string> {
  const { cid } = await visitor.ok('chat.start', {
    channel: 'chat',
    queueId,
    ...(prechat ? { prechat } : {}),
  });
  await agent.waitFor(
    (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
    'offer',
    30_000,
  );
  await agent.ok('offer.accept', { cid });
  return cid;
}

function suite(name: string, storage: () => Promise<Parameters<typeof startTestServer>[0]>) {
  describe(`customers over the server on ${name}`, () => {
    it('links chats to customers; an email typed in a pre-chat form never opens its owner’s history', async () => {
      const lookups: CrmLookup[] = [];
      const server = await startTestServer({
        config: CONFIG,
        ...(await storage()),
        customers: {
          resolveCustomer: async (lookup) => {
            lookups.push(lookup);
            return lookup.identifiers.some(
              (i) => i.kind === 'email' && i.value === 'ann@example.com' && i.verified,
            )
              ? { customerId: 'crm-17', displayName: 'Ann Example', crmUrl: 'https://crm.example/people/17' }
              : undefined;
          },
        },
      });
      closing.push(() => server.close());
      const alice = await connect(server, await staffToken('alice'), true);
      const bob = await connect(server, await staffToken('bob'), true);
      const sam = await connect(server, await staffToken('sam'), true);
      await alice.ok('presence.set', { status: 'available' });

      // Ann, signed in by the shop with a verified email, chats twice.
      const annToken = await signedVisitor(server, 'ann-1', {
        name: 'Ann',
        email: 'ann@example.com',
        email_verified: true,
      });
      const ann = await connect(server, annToken);
      const first = await chat(alice, ann);
      await alice.ok('chat.end', { cid: first });
      const second = await chat(alice, ann);
      const annView = await alice.ok('customer.of', { cid: second });
      assert.deepEqual(new Set(annView.interactions.map((i) => i.id)), new Set([first, second]));
      assert.ok(annView.customer.identifiers.some((i) => i.kind === 'email' && i.verified));
      assert.deepEqual(annView.customer.crm, { id: 'crm-17', url: 'https://crm.example/people/17' });
      assert.equal(annView.customer.displayName, 'Ann Example', "the CRM's name");
      assert.equal(lookups.length, 1, 'the CRM is asked once per new customer');

      // An anonymous attacker types Ann's email into the pre-chat form.
      const mallory = await connect(server, (await visitorToken(server)).token);
      const attack = await chat(alice, mallory, 'support', { name: 'Ann', email: 'ann@example.com' });
      const attackView = await alice.ok('customer.of', { cid: attack });
      assert.notEqual(attackView.customer.id, annView.customer.id);
      assert.deepEqual(
        attackView.interactions.map((i) => i.id),
        [attack],
        "the agent sees the attacker's own contact only",
      );
      assert.equal(attackView.suggestions[0]?.otherId, annView.customer.id, 'a suggested merge instead');
      const history = await alice.ok('customer.history', {
        customerId: attackView.interactions[0]?.customer.id ?? '',
      });
      assert.deepEqual(
        history.interactions.map((i) => i.id),
        [attack],
      );

      // Visitors may run none of it; Bob (sales) may not open support's customers; search is staff's.
      for (const [op, args] of [
        ['customer.of', { cid: second }],
        ['customer.get', { customerId: annView.customer.id }],
        ['customer.search', { query: 'ann' }],
        ['customer.merge', { targetId: annView.customer.id, sourceId: attackView.customer.id }],
      ] as const) {
        const refused = await mallory.command(op, args as never);
        assert.equal(refused.ok ? 'ran' : refused.error.code, 'auth/forbidden', `${op} as a visitor`);
      }
      const foreign = await bob.command('customer.get', { customerId: annView.customer.id });
      assert.equal(foreign.ok ? 'ran' : foreign.error.code, 'not-found');
      const foreignPop = await bob.command('customer.of', { cid: second });
      assert.equal(foreignPop.ok ? 'ran' : foreignPop.error.code, 'not-found');
      const foreignMerge = await bob.command('customer.merge', {
        targetId: annView.customer.id,
        sourceId: attackView.customer.id,
      });
      assert.equal(foreignMerge.ok ? 'ran' : foreignMerge.error.code, 'not-found');
      // Search finds what the agent could open: not support's customers for Bob, by email or by name.
      for (const query of ['ann@example', 'Ann']) {
        const hidden = await bob.ok('customer.search', { query });
        assert.ok(!hidden.customers.some((c) => c.id === annView.customer.id), `Bob searching ${query}`);
      }
      const found = await alice.ok('customer.search', { query: 'ann@example' });
      assert.ok(found.customers.some((c) => c.id === annView.customer.id));
      const byName = await alice.ok('customer.search', { query: 'ann' });
      assert.ok(byName.customers.some((c) => c.id === annView.customer.id));
      const bySupervisor = await sam.ok('customer.search', { query: 'ann@example' });
      assert.ok(bySupervisor.customers.some((c) => c.id === annView.customer.id));

      // Alice's list of suggestions has the pair; she dismisses it. Splits are the supervisor's.
      const listed = await alice.ok('customer.suggestions', {});
      const suggestion = listed.suggestions.find(
        (s) => s.customerId === attackView.customer.id || s.otherId === attackView.customer.id,
      );
      assert.ok(suggestion);
      assert.equal((await bob.ok('customer.suggestions', {})).suggestions.length, 0, "not Bob's queues");
      await alice.ok('customer.dismiss', { suggestionId: suggestion.id });
      const split = await alice.command('customer.split', {
        customerId: annView.customer.id,
        identifierIds: [],
        interactionIds: [first],
      });
      assert.equal(split.ok ? 'ran' : split.error.code, 'auth/forbidden');

      // A merge by Alice, a split by Sam: everything stays reachable, and the trail says who did what.
      const merged = await alice.ok('customer.merge', {
        targetId: annView.customer.id,
        sourceId: attackView.customer.id,
      });
      const afterMerge = await alice.ok('customer.get', { customerId: merged.customer.id });
      assert.deepEqual(new Set(afterMerge.interactions.map((i) => i.id)), new Set([first, second, attack]));
      const { customer } = await sam.ok('customer.split', {
        customerId: merged.customer.id,
        identifierIds: [],
        interactionIds: [attack],
        displayName: 'Not Ann',
      });
      assert.deepEqual(
        (await sam.ok('customer.get', { customerId: customer.id })).interactions.map((i) => i.id),
        [attack],
      );
      const trail = await sam.ok('customer.audit', { customerId: merged.customer.id });
      assert.deepEqual(
        trail.entries.map((e) => [e.action, e.actorId]),
        [
          ['split', 'sam'],
          ['merge', 'alice'],
          ['dismiss', 'alice'],
        ],
      );
      const auditByAgent = await alice.command('customer.audit', { customerId: merged.customer.id });
      assert.equal(auditByAgent.ok ? 'ran' : auditByAgent.error.code, 'auth/forbidden');
    });

    it('a verified web visitor and a verified number meet in one customer', async () => {
      const server = await startTestServer({ config: CONFIG, ...(await storage()) });
      closing.push(() => server.close());
      const alice = await connect(server, await staffToken('alice'), true);
      await alice.ok('presence.set', { status: 'available' });
      // The same person signs in on two sites' sessions with different subjects but the same verified number.
      const one = await connect(
        server,
        await signedVisitor(server, 'p-1', {
          name: 'Pat',
          phone: '+447700900123',
          phone_number_verified: true,
        }),
      );
      const first = await chat(alice, one);
      await alice.ok('chat.end', { cid: first });
      const two = await connect(
        server,
        await signedVisitor(server, 'p-2', {
          name: 'Pat',
          phone: '+447700900123',
          phone_number_verified: true,
        }),
      );
      const second = await chat(alice, two);
      const view = await alice.ok('customer.of', { cid: second });
      assert.deepEqual(new Set(view.interactions.map((i) => i.id)), new Set([first, second]));
      // Without the host's word for the number, a third visitor only gets a suggestion.
      const three = await connect(
        server,
        await signedVisitor(server, 'p-3', { name: 'Pat', phone: '+447700900123' }),
      );
      await alice.ok('chat.end', { cid: second });
      const third = await chat(alice, three);
      const apart = await alice.ok('customer.of', { cid: third });
      assert.deepEqual(
        apart.interactions.map((i) => i.id),
        [third],
      );
      assert.equal(apart.suggestions[0]?.otherId, view.customer.id);
    });
  });
}

describe('the CRM webhook', () => {
  it('posts the identifiers signed with HMAC-SHA256 and reads the answer; unknown is undefined', async () => {
    const secret = 'crm-secret-for-tests-only';
    const received: { signature: string | undefined; body: string }[] = [];
    const crm = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ signature: request.headers['x-helpline-signature'] as string | undefined, body });
        const lookup = JSON.parse(body) as CrmLookup;
        if (lookup.identifiers.some((i) => i.value === 'known@example.com')) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ customerId: 'crm-1', displayName: 'Known', crmUrl: 'https://crm.example/1' }),
          );
        } else {
          response.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    closing.push(() => new Promise<void>((resolve) => crm.close(() => resolve())));
    const { port } = crm.address() as AddressInfo;
    const resolve = crmWebhook({ url: `http://127.0.0.1:${port}/resolve`, secret });
    const known = await resolve({
      customerId: 'cu_1',
      identifiers: [{ kind: 'email', value: 'known@example.com', verified: true }],
    });
    assert.deepEqual(known, { customerId: 'crm-1', displayName: 'Known', crmUrl: 'https://crm.example/1' });
    const unknown = await resolve({ customerId: 'cu_2', identifiers: [] });
    assert.equal(unknown, undefined);
    for (const { signature, body } of received)
      assert.equal(signature, `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    assert.throws(() => crmWebhook({ url: 'http://crm.example/resolve', secret }), /https/);
  });
});

suite('PGlite', async () => ({ storage: { kind: 'pglite', dataDir: await freshPgliteDir() } }));

const available = await testPostgresUrl();
if ('url' in available) {
  suite('PostgreSQL', async () => ({ storage: await freshPostgresStorage(available.url, closing) }));
} else {
  it('customers over the server on PostgreSQL', { skip: available.skip }, () => {});
}
