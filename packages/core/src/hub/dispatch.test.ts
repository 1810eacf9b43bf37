import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HelplineError, helplineError } from '../protocol/errors';
import type { CommandOp, ServerFrame } from '../protocol/protocol.types';
import {
  afterReply,
  type Caller,
  type CommandHandlers,
  createDispatch,
  frameReply,
  type Reply,
  requestCaller,
} from './dispatch';
import type { AdmissionRequest, Subject } from './hub.types';
import { callerOf } from './live.testing';

const vera: Subject = { id: 'v1', role: 'visitor', name: 'Vera' };

/** A dispatch whose `history` handler records what happens, in order, in `log`. */
function setup(
  options: { admit?: (request: AdmissionRequest) => HelplineError | undefined; fails?: unknown } = {},
) {
  const log: string[] = [];
  const admitted: AdmissionRequest[] = [];
  const handlers = {
    async history(caller, args) {
      log.push(`history ${caller.subject.id} ${args.cid}`);
      afterReply(caller, () => log.push('after reply'));
      if (options.fails !== undefined) throw options.fails;
      return { events: [], lastSeq: 0 };
    },
  } as Partial<CommandHandlers<CommandOp>> as CommandHandlers<CommandOp>;
  const dispatch = createDispatch({
    handlers,
    admit(request) {
      admitted.push(request);
      return options.admit?.(request);
    },
  });
  const reply: Reply = {
    ok: (result) => log.push(`ok ${JSON.stringify(result)}`),
    failed: (error) => log.push(`failed ${(error as HelplineError).code}`),
  };
  return { dispatch, log, admitted, reply };
}

describe('dispatch', () => {
  it('admits, runs the handler, replies, and only then runs what waited for the reply', async () => {
    const { dispatch, log, admitted, reply } = setup();
    const caller = { ...callerOf(vera), meta: { ip: '10.0.0.1' } };
    await dispatch.run(caller, { op: 'history', args: { cid: 'c1' } }, 42, reply);
    assert.deepEqual(log, ['history v1 c1', 'ok {"events":[],"lastSeq":0}', 'after reply']);
    assert.deepEqual(
      admitted.map((r) => [r.op, r.subject.id, r.meta.ip, r.frameLength]),
      [['history', 'v1', '10.0.0.1', 42]],
    );
  });

  it("a refusal is the command's answer and its handler never runs; a failed command's waiting work still runs", async () => {
    const refused = setup({
      admit: () => helplineError('limit/rate', { seconds: 1 }, { retryAfterMs: 1000 }),
    });
    await refused.dispatch.run(callerOf(vera), { op: 'history', args: { cid: 'c1' } }, 1, refused.reply);
    assert.deepEqual(refused.log, ['failed limit/rate']);
    const failing = setup({ fails: helplineError('not-found', { entity: 'Conversation', id: 'c1' }) });
    await failing.dispatch.run(callerOf(vera), { op: 'history', args: { cid: 'c1' } }, 1, failing.reply);
    assert.deepEqual(failing.log, ['history v1 c1', 'failed not-found', 'after reply']);
  });

  it('execute checks the operation and its arguments first, and returns the result instead of sending it', async () => {
    const { dispatch, log, admitted } = setup();
    const caller = requestCaller(vera, {}, (length) => new Uint8Array(length));
    await assert.rejects(dispatch.execute(caller, 'nope' as 'history', {}), {
      code: 'protocol/unknown-command',
    });
    await assert.rejects(dispatch.execute(caller, 'history', { cid: 'c1', limit: 100_000 }), {
      code: 'validation/field',
      field: 'limit',
    });
    assert.equal(admitted.length, 0);
    const result = await dispatch.execute(caller, 'history', { cid: 'c1' });
    assert.deepEqual(result, { events: [], lastSeq: 0 });
    assert.deepEqual(log, ['history v1 c1', 'after reply']);
    assert.deepEqual(
      admitted.map((r) => r.frameLength),
      [JSON.stringify({ cid: 'c1' }).length],
    );
  });

  it('an HTTP request is a caller of its own, apart from every connection', () => {
    const random = (length: number) => new Uint8Array(length);
    const caller: Caller = requestCaller(vera, { site: 'shop' }, random);
    assert.match(caller.id, /^h_/);
    assert.deepEqual([caller.subject, caller.meta, caller.afterReply], [vera, { site: 'shop' }, []]);
  });
});

describe('frameReply', () => {
  it('answers a frame with an ack, a typed nack, or an internal nack for a failure nobody foresaw', () => {
    const sent: ServerFrame[] = [];
    const reported: string[] = [];
    const reply = frameReply(
      { id: 'k1', op: 'history' },
      (frame) => sent.push(frame),
      (what) => reported.push(what),
    );
    reply.ok({ events: [], lastSeq: 0 });
    reply.failed(helplineError('auth/forbidden', { operation: 'read this conversation' }));
    reply.failed(new Error('boom'));
    assert.deepEqual(
      sent.map((frame) => [frame.t, frame.t === 'nack' ? frame.error.code : undefined]),
      [
        ['ack', undefined],
        ['nack', 'auth/forbidden'],
        ['nack', 'internal'],
      ],
    );
    assert.deepEqual(reported, ['command history']);
  });
});
