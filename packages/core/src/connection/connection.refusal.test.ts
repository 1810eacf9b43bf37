import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { initialSnapshot } from '../machine';
import { run } from '../machine/machine.testing';
import { type ErrorCode, helplineError, isHelplineError } from '../protocol/errors';
import { visitorFrameGuard } from '../protocol/protocol.guards.generated';
import { CLOSE_CODES } from '../protocol/protocol.limits';
import { visitorResultSchemas } from '../protocol/protocol.results';
import { createTestClock, flush, type TestClock } from '../testing';
import type { LinkCloseInfo, LinkHandlers, Transport } from '../transport/transport.types';
import { type Connection, connectionWith, createConnection, UNOPENED_TRIES } from './connection';
import { type ConnectionChecks, checksOf } from './connection.checks';
import { connectionMachine } from './connection.machine';

const URL_TRIED = 'ws://help.example/ws?site=shop';

/** What the fake server does with one link. */
type Step =
  | { readonly refuse: ErrorCode; readonly close: number; readonly retryAfterMs?: number }
  | { readonly unopened: true; readonly status?: number; readonly openedLocally?: boolean }
  | { readonly welcome: true };

/** A transport that plays one scripted step per link (the last step repeats), and counts the links opened. */
function scriptedTransport(steps: readonly Step[]): Transport & { opened: number; tokens: string[] } {
  const transport = {
    opened: 0,
    tokens: [] as string[],
    open(handlers: LinkHandlers) {
      const step = steps[Math.min(transport.opened, steps.length - 1)] as Step;
      transport.opened++;
      const close = (info: LinkCloseInfo) => queueMicrotask(() => handlers.onClose(info));
      if ('unopened' in step) {
        // A multi-tab leader's link opens at once; its real socket may still fail to.
        if (step.openedLocally) queueMicrotask(() => handlers.onOpen());
        close({
          code: 1006,
          reason: 'socket error',
          url: URL_TRIED,
          ...(step.status ? { status: step.status } : {}),
        });
        return { send() {}, close() {} };
      }
      queueMicrotask(() => handlers.onOpen());
      return {
        send(raw: string) {
          const frame = JSON.parse(raw) as { t: string; token?: string };
          if (frame.t !== 'hello') return;
          transport.tokens.push(frame.token ?? '');
          if ('welcome' in step) {
            handlers.onFrame(
              JSON.stringify({
                t: 'welcome',
                v: 1,
                subject: { id: 'v1', role: 'visitor', name: 'Ada' },
                resumeToken: 'r1',
                heartbeatMs: 0,
                resumed: false,
                heads: {},
              }),
            );
            return;
          }
          const params = {
            detail: 'signature does not verify',
            site: 'shop',
            origin: 'https://evil.example',
          };
          const error = helplineError(step.refuse as Parameters<typeof helplineError>[0], params, {
            ...(step.retryAfterMs ? { retryAfterMs: step.retryAfterMs } : {}),
          });
          handlers.onFrame(JSON.stringify({ t: 'bye', code: step.close, error: error.toPayload() }));
          close({ code: step.close, reason: step.refuse });
        },
        close() {},
      };
    },
  };
  return transport;
}

let clock: TestClock;
let errors: ReturnType<typeof mock.method>;
let warnings: ReturnType<typeof mock.method>;
let connection: Connection | undefined;

beforeEach(() => {
  clock = createTestClock();
  errors = mock.method(console, 'error', () => undefined);
  warnings = mock.method(console, 'warn', () => undefined);
});
afterEach(() => {
  connection?.close();
  connection = undefined;
  mock.restoreAll();
});

function connect(transport: Transport, token: string | (() => string) = 'token-1'): Connection {
  connection = createConnection(
    { transport, clock, token, random: () => 0.5, environment: null },
    visitorResultSchemas,
    visitorFrameGuard,
  );
  connection.open();
  return connection;
}

/** Lets every retry the back-off would make within a minute happen. */
async function aMinuteLater(): Promise<void> {
  for (let second = 0; second < 60; second++) {
    await clock.advance(1_000);
    await flush();
  }
}

const printed = (spy: typeof errors) => spy.mock.calls.map((call) => String(call.arguments[0]));

describe('connection: a refusal that retrying cannot fix stops retrying', () => {
  const forGood: [ErrorCode, number][] = [
    ['auth/invalid-token', CLOSE_CODES.unauthorized],
    ['auth/token-expired', CLOSE_CODES.unauthorized],
    ['site/unknown', CLOSE_CODES.notFound],
    ['site/origin-not-allowed', CLOSE_CODES.forbidden],
    ['connection/wrong-path', CLOSE_CODES.notFound],
    ['protocol/unsupported-version', CLOSE_CODES.protocolError],
  ];
  for (const [code, close] of forGood) {
    it(`${code} (close ${close}) closes for good with the typed reason, reported once`, async () => {
      const transport = scriptedTransport([{ refuse: code, close }]);
      const live = connect(transport);
      const waiting = live.command('conversation.list', {}).catch((error: unknown) => error);
      await flush();
      await aMinuteLater();
      const { value, context } = live.$state.get();
      assert.equal(value, 'closed');
      assert.equal(context.closedBy, 'server');
      assert.equal(context.error?.code, code);
      assert.equal(transport.opened, 1, 'no second try');
      assert.equal(printed(errors).length, 1);
      assert.match(printed(errors)[0] ?? '', new RegExp(code.replace('/', '\\/')));
      const failed = await waiting;
      assert.ok(isHelplineError(failed) && failed.code === code, 'what waited fails with the reason');
    });
  }

  it('an expired token is asked for afresh once when the token is a function, then stops', async () => {
    const transport = scriptedTransport([{ refuse: 'auth/token-expired', close: CLOSE_CODES.unauthorized }]);
    let asked = 0;
    const live = connect(transport, () => `token-${++asked}`);
    await flush();
    await aMinuteLater();
    assert.deepEqual(transport.tokens, ['token-1', 'token-2']);
    assert.equal(live.$state.get().value, 'closed');
    assert.equal(live.$state.get().context.error?.code, 'auth/token-expired');
    assert.equal(printed(errors).length, 1);
  });

  it('an expired token renewed by the token function connects, with no error left', async () => {
    const transport = scriptedTransport([
      { refuse: 'auth/token-expired', close: CLOSE_CODES.unauthorized },
      { welcome: true },
    ]);
    let asked = 0;
    const live = connect(transport, () => `token-${++asked}`);
    await aMinuteLater();
    assert.deepEqual(transport.tokens, ['token-1', 'token-2']);
    assert.equal(live.$state.get().value, 'caught-up');
    assert.equal(live.$state.get().context.error, undefined);
    assert.equal(printed(errors).length, 0);
  });

  it('an expired plain-string token is not retried', async () => {
    const transport = scriptedTransport([{ refuse: 'auth/token-expired', close: CLOSE_CODES.unauthorized }]);
    connect(transport, 'stale');
    await aMinuteLater();
    assert.equal(transport.opened, 1);
  });

  it(`${UNOPENED_TRIES} upgrades refused with HTTP 404 in a row are a wrong path, for good`, async () => {
    const transport = scriptedTransport([{ unopened: true, status: 404 }]);
    const live = connect(transport);
    await aMinuteLater();
    const { value, context } = live.$state.get();
    assert.equal(value, 'closed');
    assert.equal(context.error?.code, 'connection/wrong-path');
    assert.match(context.error?.message ?? '', /ws:\/\/help\.example\/ws\?site=shop .*HTTP 404.*\/v1\/ws/);
    assert.equal(transport.opened, UNOPENED_TRIES);
    assert.equal(printed(errors).length, 1);
  });
});

describe('connection: retryable failures keep the back-off and say why once', () => {
  it('a server that never lets a socket open is reported unreachable once, and retried on', async () => {
    const transport = scriptedTransport([{ unopened: true }]);
    const live = connect(transport);
    await flush();
    await clock.advance(0);
    assert.equal(live.$state.get().context.error, undefined, 'one failed try says nothing yet');
    await aMinuteLater();
    const { value, context } = live.$state.get();
    assert.notEqual(value, 'closed');
    assert.equal(context.error?.code, 'connection/unreachable');
    assert.match(context.error?.message ?? '', /ws:\/\/help\.example\/ws\?site=shop/);
    assert.ok(transport.opened > UNOPENED_TRIES + 2, `kept trying (${transport.opened} tries)`);
    assert.equal(printed(warnings).length, 1, 'told once, not per retry');
    assert.equal(printed(errors).length, 0);
  });

  it('counts a link that opened locally but whose socket never did (the multi-tab leader) as unopened', async () => {
    const transport = scriptedTransport([{ unopened: true, openedLocally: true }]);
    const live = connect(transport);
    await aMinuteLater();
    assert.equal(live.$state.get().context.error?.code, 'connection/unreachable');
    assert.equal(printed(warnings).length, 1);
  });

  it('the unreachable reason is forgotten once the server welcomes us', async () => {
    const steps: Step[] = [{ unopened: true }, { unopened: true }, { unopened: true }, { welcome: true }];
    const transport = scriptedTransport(steps);
    const live = connect(transport);
    await aMinuteLater();
    assert.equal(live.$state.get().value, 'caught-up');
    assert.equal(live.$state.get().context.error, undefined);
    assert.equal(printed(warnings).length, 1);
  });

  it('a rate limit carries its retry hint, waits it out, and retries', async () => {
    const transport = scriptedTransport([
      { refuse: 'limit/rate', close: CLOSE_CODES.rateLimited, retryAfterMs: 20_000 },
      { welcome: true },
    ]);
    const live = connect(transport);
    await flush();
    await flush();
    assert.equal(live.$state.get().value, 'reconnecting');
    assert.equal(live.$state.get().context.error?.code, 'limit/rate');
    assert.equal(live.$state.get().context.error?.retryAfterMs, 20_000);
    await clock.advance(19_000);
    assert.equal(transport.opened, 1, 'waits for the hint');
    await clock.advance(1_000);
    await flush();
    assert.equal(transport.opened, 2);
    assert.equal(live.$state.get().value, 'caught-up');
    assert.equal(live.$state.get().context.error, undefined);
  });
});

describe('connection machine: the typed reason', () => {
  const refusal = helplineError('site/unknown', { site: 'shop' }).toPayload();
  it('a refusal for good keeps its reason in closed; a deliberate close keeps none', () => {
    const connecting = run(connectionMachine, initialSnapshot(connectionMachine), { type: 'CONNECT' });
    const closed = run(connectionMachine, connecting, { type: 'REFUSED', fatal: true, error: refusal });
    assert.deepEqual(
      [closed.value, closed.context.closedBy, closed.context.error],
      ['closed', 'server', refusal],
    );
    const byClient = run(connectionMachine, connecting, { type: 'CLOSE' });
    assert.equal(byClient.context.error, undefined);
  });

  it('a retryable reason stays through retries and is forgotten when welcomed', () => {
    const unreachable = helplineError('connection/unreachable', { url: URL_TRIED, attempts: 3 }).toPayload();
    let snapshot = run(connectionMachine, initialSnapshot(connectionMachine), { type: 'CONNECT' });
    snapshot = run(connectionMachine, snapshot, { type: 'LINK_LOST', error: unreachable });
    snapshot = run(connectionMachine, snapshot, { type: 'LINK_LOST', reason: 'socket error' });
    assert.equal(snapshot.context.error, unreachable, 'a later report without a reason keeps it');
    snapshot = run(connectionMachine, snapshot, { type: 'RETRY' });
    assert.equal(snapshot.context.error, unreachable);
    snapshot = run(connectionMachine, snapshot, { type: 'OPENED' });
    assert.equal(snapshot.context.error, undefined);
  });
});

describe('connection: closing after a refusal for good', () => {
  it("stops listening to the page's lifecycle", async () => {
    let listening = 0;
    const environment = {
      listen: () => {
        listening++;
        return () => {
          listening--;
        };
      },
    };
    const transport = scriptedTransport([{ refuse: 'auth/invalid-token', close: CLOSE_CODES.unauthorized }]);
    const live = createConnection(
      { transport, clock, token: 'token-1', random: () => 0.5, environment },
      visitorResultSchemas,
      visitorFrameGuard,
    );
    live.open();
    await flush();
    assert.equal(live.$state.get().value, 'closed');
    assert.equal(listening, 1);
    live.close();
    assert.equal(listening, 0, 'the listeners went with the close');
    assert.equal(printed(warnings).length, 0, 'a second close is not an illegal event');
  });
});

/** Checks that load when the connection asks, each load settled by the test. */
function deferredChecks() {
  const loads: { resolve: (checks: ConnectionChecks) => void; reject: (error: Error) => void }[] = [];
  const load = () =>
    new Promise<ConnectionChecks>((resolve, reject) => {
      loads.push({ resolve, reject });
    });
  return { loads, load };
}

describe('connection: checks that load when it first connects (a visitor page does not wait for them)', () => {
  const checks = checksOf(visitorResultSchemas, visitorFrameGuard);

  it('keeps the frames and the close that arrive before the checks, and reads them in order once here', async () => {
    const { loads, load } = deferredChecks();
    connection = connectionWith(
      {
        transport: scriptedTransport([{ refuse: 'site/unknown', close: CLOSE_CODES.notFound }]),
        clock,
        token: 'token-1',
        environment: null,
      },
      load,
    );
    await flush();
    assert.equal(loads.length, 0, 'nothing loads before the connection is used');
    connection.open();
    await flush();
    assert.equal(loads.length, 1);
    assert.equal(connection.$state.get().value, 'connecting', 'the close waits for the bye before it');

    loads[0]?.resolve(checks);
    await flush();
    const { value, context } = connection.$state.get();
    assert.equal(value, 'closed');
    assert.equal(context.error?.code, 'site/unknown', 'the bye was read before the close');
  });

  it('tries a failed load again with the next connect, and is welcomed then', async () => {
    const { loads, load } = deferredChecks();
    const transport = scriptedTransport([{ welcome: true }]);
    connection = connectionWith(
      { transport, clock, token: 'token-1', environment: null, commandTimeoutMs: 1000, random: () => 0.5 },
      load,
    );
    connection.open();
    await flush();
    loads[0]?.reject(new Error('the chunk did not load'));
    await flush();
    assert.equal(connection.$state.get().value, 'connecting', 'a welcome cannot be read without checks');

    // Never welcomed: the link is replaced after the command timeout, and the next connect loads them again.
    await clock.advance(1000 + 250);
    assert.equal(transport.opened, 2);
    assert.equal(loads.length, 2);
    loads[1]?.resolve(checks);
    await flush();
    assert.equal(connection.$state.get().value, 'caught-up');
  });
});
