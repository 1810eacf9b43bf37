// The authorization sweep, generated from the protocol: every command in COMMAND_OPS must have a row below (a new
// command without one fails this suite), and every HTTP route in the server's route table must be classified.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { COMMAND_OPS, type CommandOp } from '@helpline/core';
import {
  authorizationCast,
  type DeploymentKind,
  type TestDeployment,
  testDeployments,
} from '../../packages/server/src/testing/deployments';
import { http, staffToken, TestClient, unsignedToken } from '../../packages/server/src/testing/harness';

/** Refusals that reveal nothing about a conversation that is not yours. */
const NOT_YOURS = new Set(['not-found', 'auth/forbidden']);

/** Who may run an operation at all. */
/** `scoped`: anyone may run it, and it answers with the caller's own things only. */
/** `leader`: team leaders (agents whose configuration `leads` the queue) and supervisors; refused to other agents. */
type Audience = 'visitor' | 'staff' | 'supervisor' | 'party' | 'scoped' | 'leader';

interface OpRow {
  readonly audience: Audience;
  /** Arguments aimed at the owner's conversation (for `party` operations) or otherwise valid ones. */
  readonly args: (cid: string, ownerId: string) => Record<string, unknown>;
}

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** One row per operation; `Record<CommandOp, …>` makes a missing row a type error as well as a test failure. */
const OPS: Record<CommandOp, OpRow> = {
  'chat.start': { audience: 'visitor', args: () => ({ channel: 'chat' }) },
  'callback.request': {
    audience: 'visitor',
    args: () => ({ phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: 'asap' }),
  },
  'callback.cancel': { audience: 'party', args: (cid) => ({ cid }) },
  'offline.leave': { audience: 'visitor', args: () => ({ text: 'hello' }) },
  // Any visitor may ask; the queue decides (open, or without voicemail: conflict/state).
  'voicemail.start': { audience: 'visitor', args: () => ({}) },
  // The owner's chat is no voicemail (refused by state); anyone else learns nothing.
  'voicemail.send': {
    audience: 'party',
    args: (cid) => ({
      cid,
      clientMsgId: uuid(9),
      attachments: [{ id: 'att_1', name: 'voicemail.webm', type: 'audio/webm', size: 1 }],
    }),
  },
  'csat.submit': { audience: 'party', args: (cid) => ({ cid, score: 1 }) },
  'conversation.email': { audience: 'party', args: (cid) => ({ cid, address: 'owner@example.com' }) },
  'conversation.list': { audience: 'scoped', args: () => ({}) },
  'message.send': { audience: 'party', args: (cid) => ({ cid, clientMsgId: uuid(7), text: 'injected' }) },
  typing: { audience: 'party', args: (cid) => ({ cid, typing: true }) },
  read: { audience: 'party', args: (cid) => ({ cid, seq: 1 }) },
  history: { audience: 'party', args: (cid) => ({ cid }) },
  'chat.end': { audience: 'party', args: (cid) => ({ cid }) },
  'presence.set': { audience: 'staff', args: () => ({ status: 'away' }) },
  'offer.accept': { audience: 'party', args: (cid) => ({ cid }) },
  'offer.reject': { audience: 'party', args: (cid) => ({ cid }) },
  'wrapup.submit': { audience: 'party', args: (cid) => ({ cid }) },
  transfer: { audience: 'party', args: (cid) => ({ cid, toQueueId: 'sales' }) },
  'callback.outcome': { audience: 'party', args: (cid) => ({ cid, outcome: 'failed' }) },
  'callback.reschedule': { audience: 'party', args: (cid) => ({ cid, at: Date.now() + 3_600_000 }) },
  'agent.snapshot': { audience: 'staff', args: () => ({}) },
  'queues.list': { audience: 'staff', args: () => ({}) },
  'customer.history': { audience: 'party', args: (_cid, ownerId) => ({ customerId: ownerId }) },
  // Every agent of the customer's queues may open and merge customers (bob serves alice's queue); visitors never.
  'customer.of': { audience: 'staff', args: (cid) => ({ cid }) },
  'customer.get': { audience: 'staff', args: (_cid, ownerId) => ({ customerId: ownerId }) },
  'customer.search': { audience: 'staff', args: () => ({ query: 'visitor' }) },
  'customer.suggestions': { audience: 'staff', args: () => ({}) },
  'customer.merge': {
    audience: 'staff',
    args: (_cid, ownerId) => ({ targetId: ownerId, sourceId: 'cu_other' }),
  },
  'customer.dismiss': { audience: 'staff', args: () => ({ suggestionId: 'cs_1' }) },
  'customer.split': {
    audience: 'supervisor',
    args: (_cid, ownerId) => ({ customerId: ownerId, identifierIds: [], interactionIds: [] }),
  },
  'customer.audit': { audience: 'supervisor', args: (_cid, ownerId) => ({ customerId: ownerId }) },
  'case.create': { audience: 'staff', args: (cid) => ({ cid, subject: 'Refund' }) },
  'case.get': { audience: 'staff', args: () => ({ caseId: uuid(90) }) },
  'case.list': { audience: 'staff', args: (_cid, ownerId) => ({ customerId: ownerId }) },
  'case.update': { audience: 'staff', args: () => ({ caseId: uuid(90), event: 'SOLVE' }) },
  'case.note': { audience: 'staff', args: () => ({ caseId: uuid(90), text: 'Called back' }) },
  'case.link': { audience: 'staff', args: (cid) => ({ caseId: uuid(90), cid }) },
  'case.task.add': {
    audience: 'staff',
    args: () => ({
      caseId: uuid(90),
      kind: 'callback',
      dueAt: Date.now() + 3_600_000,
      phone: '+31201234567',
    }),
  },
  'case.task.cancel': { audience: 'staff', args: () => ({ caseId: uuid(90), taskId: uuid(92) }) },
  // Escalations: an agent escalates only the conversation she holds (bob is told it does not exist); the team-leader
  // actions are refused to agents who lead no queue (bob) as to visitors.
  'escalation.create': { audience: 'party', args: (cid) => ({ cid, reason: 'Wants a manager' }) },
  'escalation.list': { audience: 'staff', args: () => ({}) },
  'escalation.get': { audience: 'staff', args: () => ({ escalationId: uuid(91) }) },
  'escalation.message': { audience: 'staff', args: () => ({ escalationId: uuid(91), text: 'injected' }) },
  'escalation.accept': { audience: 'leader', args: () => ({ escalationId: uuid(91) }) },
  'escalation.decline': { audience: 'leader', args: () => ({ escalationId: uuid(91) }) },
  'escalation.takeover': { audience: 'leader', args: () => ({ escalationId: uuid(91) }) },
  'escalation.handback': { audience: 'leader', args: () => ({ escalationId: uuid(91), note: 'Not mine' }) },
  'escalation.report': { audience: 'supervisor', args: () => ({ period: 'month', groupBy: 'queue' }) },
  'supervisor.snapshot': { audience: 'supervisor', args: () => ({}) },
  'report.run': {
    audience: 'supervisor',
    args: () => ({ kind: 'figures', period: 'day', groupBy: 'queue' }),
  },
  'supervisor.kpi-series': {
    audience: 'supervisor',
    args: () => ({ from: Date.now() - 3_600_000, bucketMinutes: 60 }),
  },
  'supervisor.force-presence': {
    audience: 'supervisor',
    args: () => ({ agentId: 'alice', status: 'away', reason: 'meeting' }),
  },
  'supervisor.reassign': { audience: 'supervisor', args: (cid) => ({ cid, toQueueId: 'sales' }) },
  'call.start': { audience: 'party', args: (cid) => ({ cid }) },
  'call.answer': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.hangup': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.hold': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.resume': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.media': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1', media: 'connected' }) },
  'call.signal': {
    audience: 'party',
    args: (cid) => ({ cid, callId: 'call-1', signal: { kind: 'restart', peer: 'peer-1' } }),
  },
  'call.attach': { audience: 'party', args: (cid) => ({ cid }) },
  'call.ring': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.consult': {
    audience: 'party',
    args: (cid) => ({ cid, callId: 'call-1', to: { kind: 'external', number: '+442079460958' } }),
  },
  'call.return': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.merge': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  'call.transfer': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1' }) },
  // A consult leg's ends only: anyone else learns nothing (the same refusal for a leg that does not exist).
  'consult.answer': { audience: 'staff', args: (cid) => ({ cid, legId: 'k-1' }) },
  'consult.hangup': { audience: 'staff', args: (cid) => ({ cid, legId: 'k-1' }) },
  'consult.signal': {
    audience: 'staff',
    args: (cid) => ({ cid, legId: 'k-1', signal: { kind: 'restart', peer: 'peer-1' } }),
  },
  'voice.dial': { audience: 'staff', args: () => ({ number: '+442079460958' }) },
  'dnc.add': { audience: 'supervisor', args: () => ({ number: '+442079460958' }) },
  'dnc.remove': { audience: 'supervisor', args: () => ({ number: '+442079460958' }) },
  'dnc.list': { audience: 'supervisor', args: () => ({}) },
  'call.recording': { audience: 'party', args: (cid) => ({ cid, callId: 'call-1', action: 'pause' }) },
  'recording.list': { audience: 'staff', args: (cid) => ({ cid }) },
  'supervision.start': { audience: 'supervisor', args: (cid) => ({ cid, mode: 'monitoring' }) },
  'supervision.mode': { audience: 'supervisor', args: (cid) => ({ cid, mode: 'barging' }) },
  'supervision.stop': { audience: 'supervisor', args: (cid) => ({ cid }) },
  'supervision.note': { audience: 'supervisor', args: (cid) => ({ cid, text: 'Offer the refund' }) },
  'supervision.audit': { audience: 'supervisor', args: (cid) => ({ cid }) },
  // The interaction's own agent signals its side of a browser call's leg; anyone else is refused as for any call.
  'supervision.signal': {
    audience: 'party',
    args: (cid) => ({ cid, legId: 'sv_1', signal: { kind: 'restart', peer: 'peer-1' } }),
  },
  'supervision.list': { audience: 'staff', args: () => ({}) },
  'conversation.pending': { audience: 'party', args: (cid) => ({ cid }) },
  'conversation.snooze': { audience: 'party', args: (cid) => ({ cid, until: Date.now() + 3_600_000 }) },
  'conversation.resolve': { audience: 'party', args: (cid) => ({ cid }) },
  'conversation.reopen': { audience: 'party', args: (cid) => ({ cid }) },
};

/** Tokens no operation may run under. */
const badTokens = async (): Promise<[string, string][]> => [
  ['forged', await staffToken('alice', { secret: 'not-the-secret-but-long-enough-1234' })],
  ['expired', await staffToken('alice', { expiresIn: -30 })],
  ['alg none', unsignedToken('alice')],
  ['alg none supervisor', unsignedToken('sam', 'supervisor')],
  ['unknown visitor token', 'hlv_0123456789abcdef0123456789abcdef'],
];

/** The server's route table, read from its source so that a new route without a row here fails. */
function serverRoutePatterns(): string[] {
  const source = readFileSync(new URL('../../packages/server/src/http/api.ts', import.meta.url), 'utf8');
  return [...source.matchAll(/pattern: \/(.+)\/,\n/g)].map((m) => m[1] ?? '');
}

/** Every route: public (no identity needed) or the requests that must be refused. */
const ROUTES: Record<string, 'public' | 'conversation' | 'visitor-only' | 'dev-only'> = {
  '^\\/healthz$': 'public',
  '^\\/readyz$': 'public',
  '^\\/v1\\/sessions\\/visitor$': 'public',
  '^\\/v1\\/sites\\/(?<site>[\\w.:-]{1,64})\\/config$': 'public',
  '^\\/v1\\/conversations\\/(?<cid>[\\w.:-]{1,64})\\/history$': 'conversation',
  '^\\/v1\\/conversations\\/(?<cid>[\\w.:-]{1,64})\\/transcript\\.txt$': 'conversation',
  '^\\/v1\\/callbacks$': 'visitor-only',
  '^\\/v1\\/dev\\/tokens$': 'dev-only',
};

// The sweep runs on one instance and on two in cluster mode behind a round-robin balancer
// (packages/server/src/testing/deployments.ts; `authorizationCast` says who is on which instance). The bad-token
// sockets go round robin to both.
for (const kind of await testDeployments()) describeSweep(kind);

function describeSweep(kind: DeploymentKind): void {
  describe(`authorization sweep (${kind.name})`, { skip: kind.skip ?? false }, () => {
    let server: TestDeployment;
    let cid = '';
    let ownerToken = '';
    let strangerToken = '';
    const clients: TestClient[] = [];
    let owner: TestClient;
    let stranger: TestClient;
    let bob: TestClient;
    const argsOf = (op: CommandOp) => OPS[op].args(cid, owner.welcome?.subject.id ?? '');

    before(async () => {
      server = await kind.start();
      const cast = await authorizationCast(server);
      ({ cid, owner, ownerToken, stranger, strangerToken, bob } = cast);
      clients.push(owner, cast.alice, stranger, bob);
    });

    after(async () => {
      for (const client of clients) client.terminate();
      await server?.close();
    });

    async function refusal(
      client: TestClient,
      op: CommandOp,
      args: Record<string, unknown>,
    ): Promise<string> {
      const reply = await client.command(op, args as never);
      assert.ok(!reply.ok, `${op} must be refused, got ${JSON.stringify(reply)}`);
      return reply.error.code;
    }

    describe('authorization sweep over COMMAND_OPS', () => {
      it('every operation in the protocol has a row in this sweep', () => {
        assert.deepEqual(Object.keys(OPS).sort(), [...COMMAND_OPS].sort());
      });

      for (const op of COMMAND_OPS) {
        const row = OPS[op];
        it(`${op} (${row?.audience ?? 'no row'}): refused for the wrong identity or a foreign id`, async () => {
          assert.ok(row, `no authorization row for ${op}`);
          const args = argsOf(op);
          if (row.audience === 'party') {
            // Another visitor and an agent who neither holds nor was offered the conversation.
            assert.ok(NOT_YOURS.has(await refusal(stranger, op, args)), `${op} as another visitor`);
            assert.ok(NOT_YOURS.has(await refusal(bob, op, args)), `${op} as another agent`);
          } else if (row.audience === 'scoped') {
            for (const client of [stranger, bob]) {
              const reply = await client.command(op, args as never);
              assert.ok(!JSON.stringify(reply).includes(cid), `${op} reveals the foreign conversation`);
            }
          } else if (row.audience === 'visitor') {
            assert.equal(await refusal(bob, op, args), 'auth/forbidden', `${op} as an agent`);
          } else if (row.audience === 'staff') {
            assert.equal(await refusal(stranger, op, args), 'auth/forbidden', `${op} as a visitor`);
          } else if (row.audience === 'leader') {
            assert.equal(await refusal(stranger, op, args), 'auth/forbidden', `${op} as a visitor`);
            assert.equal(
              await refusal(bob, op, args),
              'auth/forbidden',
              `${op} as an agent who leads no queue`,
            );
          } else {
            assert.equal(await refusal(stranger, op, args), 'auth/forbidden', `${op} as a visitor`);
            assert.equal(await refusal(bob, op, args), 'auth/forbidden', `${op} as an agent`);
          }
        });
      }

      it('nothing the sweep sent reached the conversation', async () => {
        const history = await owner.ok('history', { cid });
        assert.ok(!history.events.some((e) => e.ev.type === 'message' && e.ev.text === 'injected'));
        assert.equal(stranger.events(cid).length, 0, 'nothing of it was fanned out to the stranger');
        assert.equal(bob.events(cid).length, 0, 'nothing of it was fanned out to the other agent');
        const list = await stranger.ok('conversation.list', {});
        assert.ok(!list.interactions.some((i) => i.id === cid), "the owner's conversation is not listed");
      });
    });

    describe('forged, expired and alg-none tokens', () => {
      it('no operation runs when pipelined right behind a hello with a bad token', async () => {
        for (const [name, token] of await badTokens()) {
          for (const op of COMMAND_OPS) {
            const client = await TestClient.open(server.socketUrl, { site: '', origin: null });
            clients.push(client);
            client.sendFrame({ t: 'hello', v: 1, token });
            client.sendFrame({ t: 'cmd', id: 'x1', op, args: argsOf(op) });
            const bye = await client.waitFor((f) => f.t === 'bye', `bye for ${name}`);
            await client.waitClosed();
            // A genuine token past its expiry says so (the app can fetch a fresh one); every other bad token is invalid.
            const refusal = name === 'expired' ? 'auth/token-expired' : 'auth/invalid-token';
            assert.equal(bye.t === 'bye' && bye.error.code, refusal, `${name} × ${op}`);
            assert.ok(!client.frames.some((f) => f.t === 'ack' || f.t === 'welcome'), `${name} × ${op}: ran`);
          }
        }
      });

      it('no operation runs before hello at all', async () => {
        for (const op of COMMAND_OPS) {
          const client = await TestClient.open(server.socketUrl, { site: '', origin: null });
          clients.push(client);
          client.sendFrame({ t: 'cmd', id: 'x1', op, args: argsOf(op) });
          await client.waitClosed();
          assert.ok(!client.frames.some((f) => f.t === 'ack'), `${op} ran without hello`);
        }
      });
    });

    describe('authorization sweep over the HTTP routes', () => {
      it('every route of the server is classified here', () => {
        assert.deepEqual(serverRoutePatterns().sort(), Object.keys(ROUTES).sort());
      });

      it('conversation routes refuse strangers, other agents and every bad token; serve the owner', async () => {
        const bad = await badTokens();
        const bobToken = await staffToken('bob');
        for (const path of [`/v1/conversations/${cid}/history`, `/v1/conversations/${cid}/transcript.txt`]) {
          assert.equal((await http(server, path)).status, 401, `${path} without a token`);
          for (const [name, token] of bad)
            assert.equal((await http(server, path, { token })).status, 401, `${path} ${name}`);
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
          assert.equal((await http(server, path, { token: ownerToken })).status, 200, `${path} as the owner`);
        }
      });

      it('the callback route refuses staff and every bad token', async () => {
        const callback = { phone: '+31201234567', timeZone: 'Europe/Amsterdam', slot: 'asap' };
        assert.equal((await http(server, '/v1/callbacks', { body: callback })).status, 401);
        for (const [name, token] of await badTokens())
          assert.equal((await http(server, '/v1/callbacks', { body: callback, token })).status, 401, name);
        const bobToken = await staffToken('bob');
        assert.equal((await http(server, '/v1/callbacks', { body: callback, token: bobToken })).status, 403);
      });

      it('the dev token route does not exist outside dev mode', async () => {
        assert.equal(
          (await http(server, '/v1/dev/tokens', { body: { role: 'supervisor', id: 'sam' } })).status,
          404,
        );
      });
    });
  });
}
