import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLOSE_CODES, COMMAND_OPS, type CommandOp } from '@helpline/core';
import { SignJWT } from 'jose';
import {
  authorizationCast,
  type DeploymentKind,
  FOLLOWER,
  LEADER,
  type TestDeployment,
  testDeployments,
} from './testing/deployments';
import { http, staffToken, TEST_CONFIG, TestClient, unsignedToken, visitorToken } from './testing/harness';

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** Refusals that reveal nothing about a conversation that is not yours. */
const REFUSED = new Set(['not-found', 'auth/forbidden']);

// The suite runs on one instance and on two in cluster mode behind a round-robin balancer (testing/deployments.ts;
// `authorizationCast` says who is on which instance).
for (const kind of await testDeployments()) describeAuthorization(kind);

function describeAuthorization(kind: DeploymentKind): void {
  describe(`authorization (${kind.name})`, { skip: kind.skip ?? false }, () => {
    let server: TestDeployment;
    const clients: TestClient[] = [];
    let cid = '';
    let ownerToken = '';
    let strangerToken = '';
    let stranger: TestClient;
    let bob: TestClient;
    let alice: TestClient;
    let owner: TestClient;

    before(async () => {
      server = await kind.start();
      ({ cid, owner, ownerToken, alice, stranger, strangerToken, bob } = await authorizationCast(server));
      clients.push(owner, alice, stranger, bob);
    });

    after(async () => {
      for (const client of clients) client.terminate();
      await server?.close();
    });

    /** Arguments of each operation aimed at the owner's conversation. */
    const foreignArgs = (): Partial<Record<CommandOp, Record<string, unknown>>> => ({
      'callback.cancel': { cid },
      'csat.submit': { cid, score: 1 },
      'conversation.email': { cid, address: 'intruder@example.com' },
      'message.send': { cid, clientMsgId: uuid(99), text: 'injected' },
      typing: { cid, typing: true },
      read: { cid, seq: 1 },
      history: { cid },
      'chat.end': { cid },
      'offer.accept': { cid },
      'offer.reject': { cid },
      'wrapup.submit': { cid },
      transfer: { cid, toQueueId: 'sales' },
      'callback.outcome': { cid, outcome: 'failed' },
      'supervisor.reassign': { cid, toQueueId: 'sales' },
    });

    /** Operations without a conversation id that a visitor may not run at all. */
    const STAFF_ONLY: Partial<Record<CommandOp, Record<string, unknown>>> = {
      'presence.set': { status: 'available' },
      'agent.snapshot': {},
      'supervisor.snapshot': {},
      'supervisor.force-presence': { agentId: 'alice', status: 'away', reason: 'meeting' },
    };

    /** Operations only a visitor may run. */
    const VISITOR_ONLY: Partial<Record<CommandOp, Record<string, unknown>>> = {
      'chat.start': { channel: 'chat' },
      'callback.request': { phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: 'asap' },
      'offline.leave': { text: 'hello' },
    };

    async function refused(client: TestClient, op: string, args: Record<string, unknown>): Promise<string> {
      const reply = await client.command(op as CommandOp, args as never);
      assert.ok(!reply.ok, `${op} must be refused`);
      return reply.error.code;
    }

    describe('authorization matrix: every operation × a foreign id is refused', () => {
      it("a visitor cannot read, write, end or rate another visitor's conversation", async () => {
        for (const [op, args] of Object.entries(foreignArgs())) {
          const code = await refused(stranger, op, args);
          assert.ok(REFUSED.has(code), `${op}: ${code}`);
        }
        const list = await stranger.ok('conversation.list', {});
        assert.ok(!list.interactions.some((i) => i.id === cid), "the owner's conversation is not listed");
        assert.equal(stranger.events(cid).length, 0, 'nothing of it was fanned out to the stranger');
      });

      it('a visitor cannot run agent or supervisor operations', async () => {
        for (const [op, args] of Object.entries(STAFF_ONLY)) {
          assert.equal(await refused(stranger, op, args), 'auth/forbidden', op);
        }
      });

      it("an agent cannot touch another agent's conversation, accept its offer or wrap up its work", async () => {
        for (const [op, args] of Object.entries(foreignArgs())) {
          const code = await refused(bob, op, args);
          assert.ok(REFUSED.has(code), `${op}: ${code}`);
        }
        for (const [op, args] of Object.entries(VISITOR_ONLY)) {
          assert.equal(await refused(bob, op, args), 'auth/forbidden', op);
        }
        // A fresh offer to alice: bob may neither take nor decline it.
        server.steer(FOLLOWER);
        const newcomer = await TestClient.connect(server.socketUrl, (await visitorToken(server)).token);
        clients.push(newcomer);
        const started = await newcomer.ok('chat.start', { channel: 'chat', queueId: 'support' });
        await alice.waitFor(
          (f) =>
            f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === started.cid,
          'offer to alice',
        );
        assert.equal(await refused(bob, 'offer.accept', { cid: started.cid }), 'not-found');
        assert.equal(await refused(bob, 'offer.reject', { cid: started.cid }), 'not-found');
        assert.ok(
          (await alice.command('offer.accept', { cid: started.cid })).ok,
          'the offer was still alice’s',
        );
      });

      it('every other operation aimed at a foreign conversation is refused too', async () => {
        const covered = new Set([
          ...Object.keys(foreignArgs()),
          ...Object.keys(STAFF_ONLY),
          ...Object.keys(VISITOR_ONLY),
          'conversation.list',
        ]);
        // customer.of is the screen pop: like customer.get, it is open to every agent of the conversation's queue (bob
        // serves it; docs/customers.md), so here only the stranger is refused — an agent of another queue is refused
        // in customers/customers.server.test.ts.
        const queueWide = new Set<string>(['customer.of']);
        for (const op of COMMAND_OPS.filter((o) => !covered.has(o))) {
          for (const client of queueWide.has(op) ? [stranger] : [stranger, bob]) {
            const reply = await client.command(op, { cid } as never);
            assert.ok(!reply.ok, `${op} must be refused`);
          }
        }
        const history = await owner.ok('history', { cid });
        assert.ok(
          !history.events.some((e) => e.ev.type === 'message' && e.ev.text === 'injected'),
          'nothing was written into the conversation',
        );
      });

      it('a resume cursor on a foreign conversation reveals and replays nothing', async () => {
        server.steer(LEADER);
        const peek = await TestClient.connect(server.socketUrl, strangerToken, {
          resume: { token: stranger.welcome?.resumeToken ?? '', cursors: { [cid]: 0 } },
        });
        clients.push(peek);
        assert.equal(peek.welcome?.resumed, true);
        assert.deepEqual(peek.welcome?.heads, {});
        await peek.ok('conversation.list', {});
        assert.equal(peek.events(cid).length, 0);
      });

      it('every HTTP route refuses a foreign or missing identity', async () => {
        const bobToken = await staffToken('bob');
        for (const path of [`/v1/conversations/${cid}/history`, `/v1/conversations/${cid}/transcript.txt`]) {
          assert.equal((await http(server, path)).status, 401, `${path} without a token`);
          assert.equal(
            (await http(server, path, { token: strangerToken })).status,
            404,
            `${path} as a stranger`,
          );
          assert.equal(
            (await http(server, path, { token: bobToken })).status,
            404,
            `${path} as another agent`,
          );
          assert.equal(
            (await http(server, path, { token: 'hlv_00000000000000000000000000000000' })).status,
            401,
          );
          assert.equal((await http(server, path, { token: ownerToken })).status, 200, `${path} as the owner`);
        }
        const callback = { phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: 'asap' };
        assert.equal((await http(server, '/v1/callbacks', { body: callback })).status, 401);
        assert.equal((await http(server, '/v1/callbacks', { body: callback, token: bobToken })).status, 403);
        assert.equal(
          (await http(server, '/v1/dev/tokens', { body: { role: 'agent', id: 'alice' } })).status,
          404,
          'no dev route',
        );
      });
    });

    describe('tokens', () => {
      const connectWith = async (token: string) => {
        const client = await TestClient.connect(server.socketUrl, token, { site: '', origin: null });
        clients.push(client);
        return client;
      };
      const refusal = async (token: string) => {
        const client = await connectWith(token);
        const bye = await client.waitFor((f) => f.t === 'bye', 'bye');
        assert.equal((await client.waitClosed()).code, CLOSE_CODES.unauthorized);
        return bye.t === 'bye' ? bye.error : undefined;
      };

      it('rejects forged, expired, not-yet-valid, alg none, wrong-role and unknown-subject tokens', async () => {
        const cases: [string, string, RegExp][] = [
          [
            'forged',
            await staffToken('alice', { secret: 'not-the-secret-but-long-enough-1234' }),
            /signature/,
          ],
          ['not yet valid', await staffToken('alice', { notBefore: 600 }), /not valid yet/],
          ['alg none', unsignedToken('alice'), /algorithm none not allowed|malformed/],
          ['wrong role', await staffToken('alice', { role: 'admin' }), /role/],
          ['unknown subject', await staffToken('mallory'), /not a configured agent/],
          ['garbage', 'abc.def.ghi', /malformed/],
          ['unknown visitor token', 'hlv_0123456789abcdef0123456789abcdef', /unknown or expired/],
        ];
        for (const [name, token, detail] of cases) {
          const error = await refusal(token);
          assert.equal(error?.code, 'auth/invalid-token', name);
          assert.match(error?.message ?? '', detail, name);
        }
        const expired = await refusal(await staffToken('alice', { expiresIn: -30 }));
        assert.equal(
          expired?.code,
          'auth/token-expired',
          'expired: its own code, so an app can renew the token',
        );
        const noExp = await new SignJWT({ role: 'agent' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .sign(new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256'));
        assert.match((await refusal(noExp))?.message ?? '', /exp/);
        const rs256Header = `${Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')}.${noExp.split('.')[1]}.${noExp.split('.')[2]}`;
        assert.match((await refusal(rs256Header))?.message ?? '', /not allowed/);
      });

      it('takes the role from the configuration; a role claim that contradicts it is refused', async () => {
        const roleOf = async (token: string) => (await connectWith(token)).welcome?.subject.role;
        assert.equal(await roleOf(await staffToken('alice')), 'agent', 'no claim: the configured agent');
        assert.equal(
          await roleOf(await staffToken('sam')),
          'supervisor',
          'no claim: the configured supervisor',
        );
        assert.equal(
          await roleOf(await staffToken('alice', { role: 'agent' })),
          'agent',
          'an agreeing claim',
        );
        const sam = await connectWith(await staffToken('sam', { role: 'supervisor' }));
        assert.equal(sam.welcome?.subject.role, 'supervisor');
        await sam.ok('supervisor.snapshot', {});

        const promoted = await refusal(await staffToken('alice', { role: 'supervisor' }));
        assert.equal(promoted?.code, 'auth/invalid-token');
        assert.match(promoted?.message ?? '', /claim "role" is supervisor but alice is configured as agent/);
        const demoted = await refusal(await staffToken('sam', { role: 'agent' }));
        assert.equal(demoted?.code, 'auth/invalid-token');
        assert.match(demoted?.message ?? '', /claim "role" is agent but sam is configured as supervisor/);
      });

      it('takes team leadership from the configuration; a leads claim that contradicts it is refused', async () => {
        // Alice leads no queue here: a claim cannot make her a team leader (docs/cases.md, "Escalation").
        const agreeing = await connectWith(await staffToken('alice', { leads: [] }));
        assert.equal(agreeing.welcome?.subject.id, 'alice', 'an agreeing (empty) claim');
        const promoted = await refusal(await staffToken('alice', { leads: ['support'] }));
        assert.equal(promoted?.code, 'auth/invalid-token');
        assert.match(
          promoted?.message ?? '',
          /claim "leads" must be the queues alice is configured to lead \(none\)/,
        );
        const malformed = await refusal(await staffToken('alice', { leads: 'support' }));
        assert.equal(malformed?.code, 'auth/invalid-token');
      });

      it('refuses a token issued in the future beyond the clock tolerance', async () => {
        const future = await refusal(await staffToken('alice', { issuedAt: 600 }));
        assert.equal(future?.code, 'auth/invalid-token');
        assert.match(future?.message ?? '', /issued in the future/);
        const now = await connectWith(await staffToken('alice', { issuedAt: 0 }));
        assert.equal(now.welcome?.subject.id, 'alice', 'issued now');
        const skewed = await connectWith(await staffToken('alice', { issuedAt: 3 }));
        assert.equal(skewed.welcome?.subject.id, 'alice', 'issued 3 s ahead: within the 5 s tolerance');
      });

      it('checks issuer and audience when configured', async () => {
        const strict = await kind.start({
          config: { ...TEST_CONFIG, auth: { issuer: 'https://auth.example', audience: 'helpline' } },
        });
        try {
          const plain = await TestClient.connect(strict.socketUrl, await staffToken('alice'), {
            site: '',
            origin: null,
          });
          clients.push(plain);
          assert.equal((await plain.waitClosed()).code, CLOSE_CODES.unauthorized);
          const now = Math.floor(Date.now() / 1000);
          const good = await new SignJWT({ role: 'agent' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('alice')
            .setIssuer('https://auth.example')
            .setAudience('helpline')
            .setExpirationTime(now + 60)
            .sign(new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256'));
          const accepted = await TestClient.connect(strict.socketUrl, good, { site: '', origin: null });
          clients.push(accepted);
          assert.equal(accepted.welcome?.subject.id, 'alice');
        } finally {
          await strict.close();
        }
      });
    });
  });
}
