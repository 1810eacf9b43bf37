import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createHub, createMemoryStorage, devAuthenticate, type HubStorage } from '../hub';
import { type ErrorPayload, helplineError, isHelplineError, isRetryable } from '../protocol/errors';
import { vonageFailure } from '../protocol/errors.vonage';
import { createTestClock, flush, supportQueue, type TestClock, testAgent, waitFor } from '../testing';
import type { Transport } from '../transport';
import { createMemoryTransport } from '../transport/memory.transport';
import { resendDelay } from './message.lanes';
import { createMemoryOutbox, type Outbox } from './outbox';
import { createVisitorSession, type VisitorSession } from './visitor.session';

/** One `message.send` frame as it left the client: its text, when, and how many times that text went before. */
interface Attempt {
  readonly text: string;
  readonly at: number;
  readonly nth: number;
}

/** Picks the nack the "server" answers an attempt with; `undefined` lets it through to the hub. */
type Refusal = (attempt: Attempt) => ErrorPayload | undefined;

interface World {
  readonly clock: TestClock;
  readonly storage: HubStorage;
  readonly outbox: Outbox;
  readonly visitor: VisitorSession;
  /** Every `message.send` the client put on the wire, refused or not, in order. */
  readonly attempts: Attempt[];
  /** Times relative to the first attempt, by text. */
  timesOf(text: string): number[];
  /** Texts the server stored, in `seq` order. */
  stored(cid: string): Promise<string[]>;
  /** Closes the visitor's session (a page going away), once. */
  close(): void;
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function world(refuse: Refusal): World {
  const clock = createTestClock();
  const storage = createMemoryStorage();
  const hub = createHub({
    storage,
    queues: [supportQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    clock,
  });
  const inner = createMemoryTransport({ hub });
  const attempts: Attempt[] = [];
  // Answers chosen sends with a nack before they reach the hub, as a rate limit or a storage outage would.
  const transport: Transport = {
    open(handlers) {
      const link = inner.open(handlers);
      return {
        send(raw) {
          const frame = JSON.parse(raw) as { t: string; id?: string; op?: string; args?: { text?: string } };
          if (frame.t === 'cmd' && frame.op === 'message.send') {
            const text = frame.args?.text ?? '';
            const attempt = { text, at: clock.now(), nth: attempts.filter((a) => a.text === text).length };
            attempts.push(attempt);
            const error = refuse(attempt);
            if (error) {
              queueMicrotask(() => handlers.onFrame(JSON.stringify({ t: 'nack', id: frame.id, error })));
              return;
            }
          }
          link.send(raw);
        },
        close: (code, reason) => link.close(code, reason),
      };
    },
  };
  const outbox = createMemoryOutbox();
  const visitor = createVisitorSession({
    transport,
    clock,
    random: () => 0.5,
    token: 'dev:visitor:v1:Ada',
    outbox,
  });
  let open = true;
  const close = () => {
    if (open) visitor.close();
    open = false;
  };
  closers.push(() => {
    close();
    hub.close();
  });
  return {
    close,
    clock,
    storage,
    outbox,
    visitor,
    attempts,
    timesOf: (text) => {
      const start = attempts[0]?.at ?? 0;
      return attempts.filter((a) => a.text === text).map((a) => a.at - start);
    },
    async stored(cid) {
      const events = await storage.events(cid, 0, 100);
      return events.flatMap((e) => (e.ev.type === 'message' ? [e.ev.text] : []));
    },
  };
}

const rateLimited = (retryAfterMs: number): ErrorPayload =>
  helplineError('limit/rate', { seconds: Math.ceil(retryAfterMs / 1000) }, { retryAfterMs }).toPayload();

const statuses = (visitor: VisitorSession) => visitor.$messages.get().map((m) => `${m.text}:${m.status}`);

describe('the outbox and temporary refusals', () => {
  it('waits out a rate limit, sends the same message again, and lets nothing overtake it', async () => {
    const w = world((a) => (a.text === 'one' && a.nth === 0 ? rateLimited(2000) : undefined));
    const cid = await w.visitor.startChat({});
    const sends = ['one', 'two', 'three'].map((text) => w.visitor.sendMessage(text));
    await waitFor(() => w.attempts.length === 1 && w.visitor.$messages.get().length === 3, 'refused once');
    await flush();
    assert.deepEqual(statuses(w.visitor), ['one:sending', 'two:sending', 'three:sending']);
    assert.deepEqual(
      w.attempts.map((a) => a.text),
      ['one'],
      'the next messages wait behind the refused one',
    );

    // retryAfterMs 2000 plus jitter: a fifth of it times random() = 0.5, so 200 ms.
    await w.clock.advance(2199);
    assert.equal(w.attempts.length, 1, 'not before the wait is over');
    await w.clock.advance(1);
    await Promise.all(sends);
    assert.deepEqual(w.timesOf('one'), [0, 2200]);
    assert.deepEqual(
      w.attempts.map((a) => a.text),
      ['one', 'one', 'two', 'three'],
    );
    assert.deepEqual(await w.stored(cid), ['one', 'two', 'three'], 'stored once each, in order');
    assert.deepEqual(statuses(w.visitor), ['one:sent', 'two:sent', 'three:sent']);
    assert.deepEqual(await w.outbox.list(), []);
  });

  it('backs off exponentially when a storage outage gives no hint, and keeps the message pending', async () => {
    const unavailable = helplineError('unavailable', { detail: 'database' }).toPayload();
    const w = world((a) => (a.text === 'one' && a.nth < 3 ? unavailable : undefined));
    const cid = await w.visitor.startChat({});
    const sent = w.visitor.sendMessage('one');
    await waitFor(() => w.attempts.length === 1, 'first attempt');
    await w.clock.advance(1749);
    assert.deepEqual(statuses(w.visitor), ['one:sending']);
    await w.clock.advance(1);
    await sent;
    // Full jitter with random() = 0.5: half of 500, 1000 and 2000 ms.
    assert.deepEqual(w.timesOf('one'), [0, 250, 750, 1750]);
    assert.deepEqual(await w.stored(cid), ['one']);
    assert.deepEqual(statuses(w.visitor), ['one:sent']);
  });

  it('marks only a final refusal failed, and sends the messages after it', async () => {
    const refusal = helplineError('conflict/state', {
      operation: 'send',
      entity: 'chat',
      state: 'ended',
    }).toPayload();
    const w = world((a) => (a.text === 'two' ? refusal : undefined));
    const cid = await w.visitor.startChat({});
    const [one, two, three] = ['one', 'two', 'three'].map((text) => w.visitor.sendMessage(text));
    await assert.rejects(
      two as Promise<void>,
      (e: unknown) => isHelplineError(e) && e.code === 'conflict/state',
    );
    await Promise.all([one, three]);
    assert.deepEqual(w.timesOf('two'), [0], 'never retried');
    assert.deepEqual(await w.stored(cid), ['one', 'three']);
    assert.deepEqual(statuses(w.visitor), ['one:sent', 'three:sent', 'two:failed']);
    assert.deepEqual(await w.outbox.list(), []);
  });

  it('keeps a waiting message in the outbox, not failed, when the session closes', async () => {
    const w = world((a) => (a.text === 'one' ? rateLimited(5000) : undefined));
    await w.visitor.startChat({});
    const sends = ['one', 'two'].map((text) => w.visitor.sendMessage(text));
    await waitFor(() => w.attempts.length === 1, 'refused');
    w.close();
    for (const send of sends) {
      await assert.rejects(send, (e: unknown) => isHelplineError(e) && e.code === 'connection/closed');
    }
    await w.clock.advance(10_000);
    assert.equal(w.attempts.length, 1, 'nothing sent after the close');
    assert.deepEqual(
      (await w.outbox.list()).map((e) => e.text),
      ['one', 'two'],
      'kept for the next page',
    );
    assert.deepEqual(statuses(w.visitor), ['one:sending', 'two:sending']);
  });
});

describe('isRetryable and resendDelay', () => {
  it('retries what may succeed later, and nothing that never will', () => {
    const retryable = [
      helplineError('limit/rate', { seconds: 1 }, { retryAfterMs: 800 }),
      helplineError('unavailable', { detail: 'database' }, { retryAfterMs: 1000 }),
      helplineError('unavailable', { detail: 'database' }),
      helplineError('connection/timeout', { op: 'message.send', ms: 15_000 }),
      vonageFailure('voice/vonage-network', { detail: 'offline' }, { retryAfterMs: 3000 }),
    ];
    const final = [
      helplineError('validation/field', { scope: 'message.send', field: 'text', detail: 'is empty' }),
      helplineError('auth/forbidden', { operation: 'send' }),
      helplineError('not-found', { entity: 'conversation', id: 'c_1' }),
      helplineError('conflict/state', { operation: 'send', entity: 'chat', state: 'ended' }),
      helplineError('limit/size', { field: 'text', size: 5000, max: 4000 }),
      helplineError('connection/closed'),
      helplineError('internal', { detail: 'bug' }),
    ];
    for (const error of retryable) assert.equal(isRetryable(error), true, error.code);
    for (const error of final) assert.equal(isRetryable(error), false, error.code);
    assert.equal(isRetryable(new Error('limit/rate')), false, 'only Helpline errors');
  });

  it('waits at least retryAfterMs, with a little jitter, and never more than 30 s', () => {
    const hinted = (ms: number) => helplineError('limit/rate', { seconds: 1 }, { retryAfterMs: ms });
    assert.equal(
      resendDelay(hinted(2000), 0, () => 0),
      2000,
    );
    assert.equal(
      resendDelay(hinted(2000), 0, () => 0.999),
      2399,
    );
    assert.equal(
      resendDelay(hinted(10), 0, () => 0.5),
      60,
      'at least 100 ms of jitter range',
    );
    assert.equal(
      resendDelay(hinted(120_000), 0, () => 0),
      30_000,
    );
    const unhinted = helplineError('unavailable', { detail: 'database' });
    assert.deepEqual(
      [0, 1, 2, 10].map((attempt) => resendDelay(unhinted, attempt, () => 0.5)),
      [250, 500, 1000, 15_000],
    );
  });
});
