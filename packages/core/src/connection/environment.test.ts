import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, devAuthenticate, type Hub } from '../hub';
import { serverFrameGuard } from '../protocol/protocol.guards.staff.generated';
import { commandResultSchemas } from '../protocol/protocol.results.staff';
import { createTestClock, flush, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import { createMemoryTransport, type MemoryTransport } from '../transport/memory.transport';
import type { LinkHandlers, Transport } from '../transport/transport.types';
import { type Connection, createConnection } from './connection';
import {
  bindEnvironment,
  browserEnvironment,
  createManualEnvironment,
  type LifecycleSignal,
  type LifecycleTarget,
  type ManualEnvironment,
} from './environment';

describe('bindEnvironment', () => {
  function recordingTarget(): LifecycleTarget & { calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      probe: () => calls.push('probe'),
      suspend: () => calls.push('suspend'),
      resume: () => calls.push('resume'),
      setHidden: (hidden) => calls.push(hidden ? 'hidden' : 'shown'),
    };
  }

  const table: [LifecycleSignal, string[]][] = [
    ['online', ['resume', 'probe']],
    ['visible', ['shown', 'resume', 'probe']],
    ['hidden', ['hidden']],
    ['pageshow', ['resume', 'probe']],
    ['resume', ['resume', 'probe']],
    ['pagehide', ['suspend']],
    ['freeze', ['suspend']],
  ];
  for (const [signal, expected] of table) {
    it(`${signal} → ${expected.join(', ')}`, () => {
      const environment = createManualEnvironment();
      const target = recordingTarget();
      bindEnvironment(target, environment);
      target.calls.length = 0;
      environment.emit(signal);
      assert.deepEqual(target.calls, expected);
    });
  }

  it('starts hidden when the page is hidden, and stops listening when told to', () => {
    const environment = createManualEnvironment(true);
    const target = recordingTarget();
    const stop = bindEnvironment(target, environment);
    assert.deepEqual(target.calls, ['hidden']);
    assert.equal(environment.listeners, 1);
    stop();
    assert.equal(environment.listeners, 0);
    environment.emit('online');
    assert.deepEqual(target.calls, ['hidden']);
  });
});

describe('browserEnvironment', () => {
  it('turns window and document events into signals, and removes its listeners', () => {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    const environment = browserEnvironment({ window: win, document: doc });
    const signals: LifecycleSignal[] = [];
    const stop = environment.listen((signal) => signals.push(signal));
    for (const type of ['online', 'pageshow', 'pagehide']) win.dispatchEvent(new Event(type));
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    assert.equal(environment.isHidden?.(), true);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    for (const type of ['freeze', 'resume']) doc.dispatchEvent(new Event(type));
    assert.deepEqual(signals, ['online', 'pageshow', 'pagehide', 'hidden', 'visible', 'freeze', 'resume']);
    stop();
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('freeze'));
    assert.equal(signals.length, 7);
  });
});

interface Rig {
  clock: TestClock;
  hub: Hub;
  memory: MemoryTransport;
  environment: ManualEnvironment;
  connection: Connection;
  /** While true, frames are lost in both directions but the link stays open (a half-open socket). */
  setBlackholed(value: boolean): void;
}

const rigs: Rig[] = [];
afterEach(() => {
  for (const rig of rigs.splice(0)) {
    rig.connection.close();
    rig.hub.close();
  }
});

function rig(options: { hidden?: boolean } = {}): Rig {
  const clock = createTestClock();
  // The hub's clock stands still: it never pings unless a test advances it.
  const hub = createHub({
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock: createTestClock(),
    heartbeatMs: 10_000,
  });
  const memory = createMemoryTransport({ hub });
  let blackholed = false;
  const transport: Transport = {
    open(handlers: LinkHandlers) {
      const link = memory.open({
        onOpen: () => handlers.onOpen(),
        onFrame: (raw) => {
          if (!blackholed) handlers.onFrame(raw);
        },
        onClose: (info) => handlers.onClose(info),
      });
      return {
        send: (raw) => {
          if (!blackholed) link.send(raw);
        },
        close: (code, reason) => link.close(code, reason),
      };
    },
  };
  const environment = createManualEnvironment(options.hidden);
  const connection = createConnection(
    {
      transport,
      clock,
      random: () => 0.5,
      token: 'dev:visitor:v1:Ada',
      environment,
    },
    commandResultSchemas,
    serverFrameGuard,
  );
  const built: Rig = {
    clock,
    hub,
    memory,
    environment,
    connection,
    setBlackholed: (value) => {
      blackholed = value;
    },
  };
  rigs.push(built);
  return built;
}

const stateOf = (connection: Connection) => connection.$state.get().value;

describe('a connection driven by its environment', () => {
  it('closes the socket on freeze, stays down, and reconnects at once on resume', async () => {
    const { connection, environment, memory, clock } = rig();
    connection.open();
    await waitFor(() => stateOf(connection) === 'caught-up', 'connected');
    environment.emit('freeze');
    assert.equal(stateOf(connection), 'suspended');
    await waitFor(() => memory.openLinks === 0, 'socket closed');

    const started = connection.command('chat.start', { channel: 'chat' });
    await clock.advance(10 * 60_000);
    assert.equal(memory.openLinks, 0, 'no reconnect while frozen');
    assert.equal(stateOf(connection), 'suspended');

    environment.emit('resume');
    await waitFor(() => stateOf(connection) === 'caught-up', 'back');
    const { cid } = await started;
    assert.match(cid, /./, 'the command made while frozen went out on return');
    assert.equal(memory.openLinks, 1);
  });

  it('closes on pagehide and comes back on pageshow (back/forward cache)', async () => {
    const { connection, environment, memory } = rig();
    connection.open();
    await waitFor(() => stateOf(connection) === 'caught-up', 'connected');
    environment.emit('pagehide');
    await waitFor(() => memory.openLinks === 0, 'socket closed');
    environment.emit('pageshow');
    await waitFor(() => stateOf(connection) === 'caught-up', 'back');
  });

  it('does not time out a hidden tab on its own, and probes when it is visible again', async () => {
    const { connection, environment, clock, setBlackholed } = rig();
    connection.open();
    await waitFor(() => stateOf(connection) === 'caught-up', 'connected');
    environment.emit('hidden');
    setBlackholed(true);
    await clock.advance(5 * 60_000);
    assert.equal(stateOf(connection), 'caught-up', 'hidden: no verdict');

    environment.emit('visible');
    await clock.advance(4_999);
    assert.equal(stateOf(connection), 'caught-up', 'the probe waits for an answer');
    await clock.advance(1);
    await waitFor(() => stateOf(connection) === 'reconnecting', 'no answer to the probe: dead');
    setBlackholed(false);
    await clock.advance(250);
    await waitFor(() => stateOf(connection) === 'caught-up', 'replaced');
  });

  it('keeps a visible link whose probe is answered', async () => {
    const { connection, environment, clock, memory } = rig();
    connection.open();
    await waitFor(() => stateOf(connection) === 'caught-up', 'connected');
    environment.emit('visible');
    await clock.advance(5_000);
    assert.equal(stateOf(connection), 'caught-up');
    assert.equal(memory.openLinks, 1);
  });

  it('retries at once on online instead of waiting out the back-off', async () => {
    const { connection, environment, memory, clock } = rig();
    connection.open();
    await waitFor(() => stateOf(connection) === 'caught-up', 'connected');
    memory.setUnreachable(true);
    memory.dropAll();
    await waitFor(() => stateOf(connection) === 'reconnecting', 'lost');
    await clock.advance(250);
    await waitFor(() => stateOf(connection) === 'reconnecting', 'first retry failed');
    memory.setUnreachable(false);
    environment.emit('online');
    await waitFor(() => stateOf(connection) === 'caught-up', 'back without waiting');
  });

  it('replaces a link that opens but never welcomes', async () => {
    const clock = createTestClock();
    let opened = 0;
    const silent: Transport = {
      open(handlers) {
        opened++;
        queueMicrotask(() => handlers.onOpen());
        return { send() {}, close: () => queueMicrotask(() => handlers.onClose({ code: 1000, reason: '' })) };
      },
    };
    const connection = createConnection(
      {
        transport: silent,
        clock,
        token: 't',
        environment: null,
        commandTimeoutMs: 15_000,
      },
      commandResultSchemas,
      serverFrameGuard,
    );
    connection.open();
    await flush();
    await clock.advance(14_999);
    assert.equal(stateOf(connection), 'connecting');
    await clock.advance(1);
    assert.equal(stateOf(connection), 'reconnecting');
    assert.equal(opened, 1);
    connection.close();
    assert.equal(clock.pendingTimers, 0);
  });

  it('replaces a link that never opens (a connect a frozen server accepted and never answers)', async () => {
    const clock = createTestClock();
    let opened = 0;
    const hanging: Transport = {
      open(handlers) {
        opened++;
        return { send() {}, close: () => queueMicrotask(() => handlers.onClose({ code: 1006, reason: '' })) };
      },
    };
    const connection = createConnection(
      { transport: hanging, clock, token: 't', environment: null, commandTimeoutMs: 5_000 },
      commandResultSchemas,
      serverFrameGuard,
    );
    connection.open();
    await flush();
    await clock.advance(4_999);
    assert.equal(stateOf(connection), 'connecting', 'the open is still awaited');
    await clock.advance(1);
    assert.equal(stateOf(connection), 'reconnecting', 'given up once commandTimeoutMs has passed');
    await clock.advance(60_000);
    assert.ok(opened >= 2, 'and tried again');
    connection.close();
    assert.equal(clock.pendingTimers, 0);
  });

  it('stops listening to the environment when closed', async () => {
    const { connection, environment } = rig();
    connection.open();
    assert.equal(environment.listeners, 1);
    connection.close();
    assert.equal(environment.listeners, 0);
  });
});
