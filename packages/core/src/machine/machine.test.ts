import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { helplineError } from '../protocol/errors';
import {
  can,
  createMachineStore,
  defineMachine,
  illegalEvent,
  initialSnapshot,
  pendingDeadline,
  transition,
} from './machine';

type DoorEvent =
  | { type: 'OPEN' }
  | { type: 'CLOSE' }
  | { type: 'LOCK'; code: string }
  | { type: 'UNLOCK'; code: string }
  | { type: 'BREAK' };

const door = defineMachine<
  'closed' | 'open' | 'locked' | 'broken',
  DoorEvent,
  { code?: string; opened: number }
>({
  id: 'door',
  initial: 'closed',
  context: { opened: 0 },
  states: {
    closed: {
      on: {
        OPEN: { target: 'open', actions: ['countOpen'] },
        LOCK: { target: 'locked', actions: ['setCode'] },
        BREAK: { target: 'broken' },
      },
    },
    open: { on: { CLOSE: { target: 'closed' }, OPEN: { actions: [] } } },
    locked: {
      on: {
        // First candidate whose guard passes wins; the second catches wrong codes and stays.
        UNLOCK: [{ target: 'closed', guard: 'rightCode', actions: ['clearCode'] }, { actions: [] }],
        BREAK: { target: 'broken' },
      },
    },
    broken: { final: true },
  },
  guards: { rightCode: (context, event) => event.type === 'UNLOCK' && event.code === context.code },
  actions: {
    countOpen: (context) => ({ ...context, opened: context.opened + 1 }),
    setCode: (context, event) => (event.type === 'LOCK' ? { ...context, code: event.code } : context),
    clearCode: ({ code: _code, ...rest }) => rest,
  },
});

describe('machine runtime', () => {
  it('applies targets and actions purely', () => {
    const start = initialSnapshot(door);
    const result = transition(door, start, { type: 'OPEN' });
    assert.ok(result.ok);
    assert.deepEqual(result.snapshot, { value: 'open', context: { opened: 1 } });
    assert.deepEqual(start, { value: 'closed', context: { opened: 0 } }, 'input untouched');
  });

  it('reports an illegal event as a typed error and keeps the snapshot', () => {
    const start = initialSnapshot(door);
    const result = transition(door, start, { type: 'CLOSE' });
    assert.equal(result.ok, false);
    assert.equal(result.snapshot, start);
    assert.ok(!result.ok && result.error.code === 'machine/illegal-event');
  });

  it('tries guarded candidates in order', () => {
    const locked = transition(door, initialSnapshot(door), { type: 'LOCK', code: '1234' });
    assert.ok(locked.ok);
    const wrong = transition(door, locked.snapshot, { type: 'UNLOCK', code: '0000' });
    assert.ok(wrong.ok && wrong.snapshot.value === 'locked' && !wrong.changed);
    const right = transition(door, locked.snapshot, { type: 'UNLOCK', code: '1234' });
    assert.ok(right.ok && right.snapshot.value === 'closed' && right.snapshot.context.code === undefined);
  });

  it('accepts nothing in a final state', () => {
    const broken = transition(door, initialSnapshot(door), { type: 'BREAK' });
    assert.ok(broken.ok);
    for (const event of [{ type: 'OPEN' }, { type: 'CLOSE' }, { type: 'BREAK' }] as const) {
      assert.equal(transition(door, broken.snapshot, event).ok, false);
      assert.equal(can(door, broken.snapshot, event), false);
    }
  });

  it('marks a self-transition without changes as unchanged (same snapshot object)', () => {
    const open = transition(door, initialSnapshot(door), { type: 'OPEN' });
    assert.ok(open.ok);
    const again = transition(door, open.snapshot, { type: 'OPEN' });
    assert.ok(again.ok && !again.changed && again.snapshot === open.snapshot);
  });

  it('throws on a definition that names a missing guard (a bug, not input)', () => {
    const bad = defineMachine<'a' | 'b', { type: 'GO' }, object>({
      id: 'bad',
      initial: 'a',
      context: {},
      states: { a: { on: { GO: { target: 'b', guard: 'nope' } } }, b: {} },
    });
    assert.throws(() => transition(bad, initialSnapshot(bad), { type: 'GO' }), /unknown "nope"/);
  });

  it('store: send is the only writer; illegal events warn and change nothing', () => {
    const warn = mock.method(console, 'warn', () => undefined);
    try {
      const store = createMachineStore(door);
      const seen: string[] = [];
      const stop = store.$snapshot.listen((s) => seen.push(s.value));
      assert.equal(store.can({ type: 'OPEN' }), true);
      store.send({ type: 'OPEN' });
      const refused = store.send({ type: 'LOCK', code: 'x' });
      assert.equal(refused.ok, false);
      assert.equal(store.$snapshot.get().value, 'open');
      assert.deepEqual(seen, ['open']);
      assert.equal(warn.mock.callCount(), 1);
      stop();
    } finally {
      warn.mock.restore();
    }
  });

  it('spells the illegal-event error exactly as the catalog does', () => {
    assert.equal(
      illegalEvent('door', 'open', 'LOCK').message,
      helplineError('machine/illegal-event', { machine: 'door', state: 'open', event: 'LOCK' }).message,
    );
  });
});

describe('machine runtime: deadlines', () => {
  type KettleEvent = { type: 'SWITCH_ON'; at: number } | { type: 'BOILED'; at: number };
  const kettle = defineMachine<'cold' | 'heating' | 'hot', KettleEvent, { onAt?: number }, 'boiled'>({
    id: 'kettle',
    initial: 'cold',
    context: {},
    states: {
      cold: { on: { SWITCH_ON: { target: 'heating', actions: ['stampOn'] } } },
      heating: {
        on: { BOILED: { target: 'hot', guard: 'boiledLongEnough' } },
        after: {
          kind: 'boiled',
          at: (context) => (context.onAt === undefined ? undefined : context.onAt + 90_000),
          event: (at) => ({ type: 'BOILED', at }),
        },
      },
      hot: { final: true },
    },
    guards: { boiledLongEnough: (context, event) => event.at >= (context.onAt ?? 0) + 90_000 },
    actions: { stampOn: (context, event) => ({ ...context, onAt: event.at }) },
  });

  it("is the entered state's declaration, timed from the context, and its event is accepted when due", () => {
    const cold = initialSnapshot(kettle);
    assert.equal(pendingDeadline(kettle, cold), undefined, 'a state without a declaration waits for nothing');
    const heating = transition(kettle, cold, { type: 'SWITCH_ON', at: 1_000 }).snapshot;
    const deadline = pendingDeadline(kettle, heating);
    assert.equal(deadline?.kind, 'boiled');
    assert.equal(deadline?.at, 91_000);
    assert.deepEqual(deadline?.event(95_000), { type: 'BOILED', at: 95_000 });
    assert.equal(can(kettle, heating, deadline?.event(deadline.at - 1) as KettleEvent), false);
    assert.equal(
      transition(kettle, heating, deadline?.event(deadline.at) as KettleEvent).snapshot.value,
      'hot',
    );
  });

  it('is undefined while the context sets no time', () => {
    assert.equal(pendingDeadline(kettle, { value: 'heating', context: {} }), undefined);
  });
});
