import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgentSession,
  type ChatMessage,
  createAgentSession,
  createVisitorSession,
  createWebSocketTransport,
  type Transport,
  type VisitorSession,
} from '@helpline/core';
import { WebSocket } from 'ws';
import { type ConfigInput, parseConfig } from './config/config';
import { staffToken, startTestServer, TEST_CONFIG, visitorToken } from './testing/harness';
import { startFaultProxy } from './testing/proxy';

// A visitor and an agent chat at an ordinary pace, 1.5 messages a second between them, over real sockets. The
// visitor's path falls into a 20 s black hole: nothing gets through and nothing closes, not even its reconnect
// attempts. The visitor keeps typing. When the path returns, everything typed meanwhile goes out at once and meets
// the server's production rate limits (30 messages at once, then 2 a second). Nothing may be lost, duplicated,
// reordered or marked failed: a rate-limited message waits out `retryAfterMs` and is sent again.

const TICK_MS = 2000 / 3;
const HOLE_MS = 20_000;
const TICKS_BEFORE = 8;
const TICKS_AFTER = 8;

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Counts what a link carries: `limit/rate` nacks by the op they refused. */
function observed(inner: Transport, rateLimited: Map<string, number>): Transport {
  return {
    open(handlers) {
      const ops = new Map<string, string>();
      const link = inner.open({
        onOpen: () => handlers.onOpen(),
        onClose: (info) => handlers.onClose(info),
        onFrame(raw) {
          const frame = JSON.parse(raw) as { t: string; id?: string; error?: { code: string } };
          if (frame.t === 'nack' && frame.error?.code === 'limit/rate') {
            const op = ops.get(frame.id ?? '') ?? '?';
            rateLimited.set(op, (rateLimited.get(op) ?? 0) + 1);
          }
          handlers.onFrame(raw);
        },
      });
      return {
        send(raw) {
          const frame = JSON.parse(raw) as { t: string; id?: string; op?: string };
          if (frame.t === 'cmd' && frame.id && frame.op) ops.set(frame.id, frame.op);
          link.send(raw);
        },
        close: (code, reason) => link.close(code, reason),
      };
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(20);
  }
}

const texts = (messages: readonly ChatMessage[], role: string) =>
  messages.filter((m) => m.from.role === role).map((m) => m.text);

describe('a chat across a network black hole', () => {
  it('loses, duplicates, reorders and fails nothing at 1.5 messages a second across a 20 s black hole', {
    timeout: 90_000,
  }, async (t) => {
    const startedAt = Date.now();
    // The production limits: whatever the server's configuration schema defaults to.
    const config: ConfigInput = { ...TEST_CONFIG, limits: undefined };
    const { limits } = parseConfig(config).file;
    // Pings every second (production: 15 s) so that a dead path is noticed in seconds, not half a minute.
    const server = await startTestServer({ config, heartbeatMs: 1_000 });
    cleanups.push(() => server.close());
    const proxy = await startFaultProxy(server.port);
    cleanups.push(() => proxy.close());

    const rateLimited = new Map<string, number>();
    const visitor: VisitorSession = createVisitorSession({
      transport: observed(
        createWebSocketTransport({
          url: `ws://127.0.0.1:${proxy.port}/v1/ws`,
          site: 'shop',
          WebSocketImpl: WebSocket,
        }),
        rateLimited,
      ),
      token: (await visitorToken(server)).token,
      storageKey: false,
      // A connect into the hole hangs until this gives up on it (default 15 s); shorter keeps the test short, and a
      // few attempts still hang in the hole.
      commandTimeoutMs: 10_000,
    });
    const agent: AgentSession = createAgentSession({
      transport: createWebSocketTransport({ url: server.socketUrl, WebSocketImpl: WebSocket }),
      token: await staffToken('alice', { expiresIn: 3600 }),
    });
    cleanups.push(() => {
      visitor.close();
      agent.close();
    });

    await agent.setPresence('available');
    const cid = await visitor.startChat({ queueId: 'support' });
    await until(() => agent.$offers.get()[cid] !== undefined, 'offer');
    await agent.accept(cid);
    await until(() => visitor.$interaction.get()?.state === 'active', 'chat active');

    const sent = { visitor: [] as string[], agent: [] as string[] };
    // Every send's outcome, kept without rejecting: a refused send is a finding for the assertions below.
    const sends: Promise<string | undefined>[] = [];
    const settled = (send: Promise<void>) =>
      send.then(
        () => undefined,
        (error: unknown) => String(error),
      );
    const ignore = () => undefined;
    const visitorSays = async (text: string) => {
      // As the widget does: "typing" on the first key, "not typing" when the message goes.
      visitor.setTyping(true).catch(ignore);
      await sleep(TICK_MS / 2);
      visitor.setTyping(false).catch(ignore);
      sent.visitor.push(text);
      sends.push(settled(visitor.sendMessage(text)));
    };
    const agentSays = async (text: string) => {
      agent.setTyping(cid, true).catch(ignore);
      await sleep(TICK_MS / 2);
      agent.setTyping(cid, false).catch(ignore);
      sent.agent.push(text);
      sends.push(settled(agent.sendMessage(cid, text)));
    };

    // When the path is back: the visitor's messages still unconfirmed then are the burst it releases.
    let holeEnded = false;
    let backAt: number | undefined;
    let burst = 0;
    let reconnects = 0;
    const stopWatching = visitor.$connection.listen((snapshot) => {
      if (snapshot.value === 'reconnecting') reconnects++;
      if (holeEnded && backAt === undefined && snapshot.value === 'connected') {
        backAt = Date.now();
        burst = visitor.$messages
          .get()
          .filter((m) => m.from.role === 'visitor' && m.status !== 'sent').length;
      }
    });
    cleanups.push(stopWatching);

    const t0 = Date.now();
    let holeAt = 0;
    let ticksAfter = 0;
    for (let tick = 0; ticksAfter < TICKS_AFTER; tick++) {
      await sleep(Math.max(0, t0 + tick * TICK_MS - Date.now()));
      const inHole = holeAt > 0 && visitor.$connection.get().value !== 'caught-up';
      if (holeAt > 0 && !inHole) ticksAfter++;
      // Alternating, except while the visitor hears nothing back: then the visitor keeps writing.
      if (inHole || tick % 2 === 0) await visitorSays(`v${sent.visitor.length}`);
      else await agentSays(`a${sent.agent.length}`);
      if (tick === TICKS_BEFORE) {
        // The visitor's last message and its ack are on their way as the path goes dark.
        proxy.setBlackhole(true);
        holeAt = Date.now();
        setTimeout(() => {
          proxy.setBlackhole(false);
          holeEnded = true;
        }, HOLE_MS);
      }
    }

    const failedSends = (await Promise.all(sends)).filter((error) => error !== undefined);
    assert.deepEqual(failedSends, [], 'every send is confirmed');
    const settledAt = Date.now();
    const view = () => agent.$conversations.get()[cid]?.messages ?? [];
    const total = sent.visitor.length + sent.agent.length;
    await until(
      () => visitor.$messages.get().length === total && view().length === total,
      'both sides see all',
    );

    // The server holds each message once, in the order each side typed them, with gap-free seq.
    const stored = await server.storage.events(cid, 0, 10_000);
    assert.deepEqual(
      stored.map((e) => e.seq),
      stored.map((_, i) => i + 1),
    );
    const storedMessages = stored.flatMap((e) => (e.ev.type === 'message' ? [e.ev] : []));
    assert.equal(
      new Set(storedMessages.map((m) => m.clientMsgId)).size,
      storedMessages.length,
      'no duplicate',
    );
    assert.deepEqual(
      storedMessages.filter((m) => m.from.role === 'visitor').map((m) => m.text),
      sent.visitor,
    );
    assert.deepEqual(
      storedMessages.filter((m) => m.from.role === 'agent').map((m) => m.text),
      sent.agent,
    );
    // Both sides show exactly what the server holds, in its order, all sent: none failed, none left pending.
    for (const [who, messages] of [
      ['visitor', visitor.$messages.get()],
      ['agent', view()],
    ] as const) {
      assert.deepEqual(
        messages.map((m) => m.text),
        storedMessages.map((m) => m.text),
        `${who} sees the server's order`,
      );
      assert.deepEqual(
        messages.filter((m) => m.status !== 'sent').map((m) => `${m.text}: ${m.status}`),
        [],
        `${who}: nothing failed or pending`,
      );
    }
    assert.deepEqual(texts(visitor.$messages.get(), 'agent'), sent.agent);
    assert.deepEqual(texts(view(), 'visitor'), sent.visitor);

    // The burst really met the production limits: more messages than the bucket holds, some refused for a while.
    assert.ok(backAt !== undefined, 'the visitor came back');
    assert.ok(
      burst > limits.messages.burst,
      `burst of ${burst} exceeds the limit's ${limits.messages.burst}`,
    );
    assert.ok((rateLimited.get('message.send') ?? 0) > 0, 'some sends were rate-limited and resent');

    t.diagnostic(
      JSON.stringify({
        limits: { messages: limits.messages, typing: limits.typing, commands: limits.commands },
        sent: { visitor: sent.visitor.length, agent: sent.agent.length },
        received: {
          byAgentFromVisitor: texts(view(), 'visitor').length,
          byVisitorFromAgent: texts(visitor.$messages.get(), 'agent').length,
        },
        failed: failedSends.length,
        burst,
        rateLimitedNacks: Object.fromEntries(rateLimited),
        reconnects,
        holeMs: HOLE_MS,
        backAfterHoleStartMs: backAt - holeAt,
        lastConfirmedAfterBackMs: settledAt - backAt,
        testMs: Date.now() - startedAt,
      }),
    );
  });
});
