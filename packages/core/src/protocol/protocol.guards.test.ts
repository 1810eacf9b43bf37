import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type * as v from 'valibot';
import {
  type ParseResult,
  parseCommandResult,
  parseFrameWith,
  parseServerFrame,
  validateValue,
} from './protocol';
import {
  generatedGuardsSources,
  visitorResultSchemasAsRead,
  visitorServerFrameSchema,
} from './protocol.guards.codegen';
import { visitorFrameGuard, visitorResultGuards } from './protocol.guards.generated';
import { serverFrameGuard } from './protocol.guards.staff.generated';
import { serverFrameSchema } from './protocol.schemas';

/** The parts of a valibot schema a corpus is drawn from (the generator supports the same). */
interface Node {
  readonly type: string;
  readonly pipe?: readonly Node[];
  readonly requirement?: unknown;
  readonly entries?: Record<string, Node>;
  readonly wrapped?: Node;
  readonly item?: Node;
  readonly key?: Node | string;
  readonly value?: Node;
  readonly options?: readonly (Node | string | number)[];
  readonly literal?: unknown;
}

/** Values that fit `schema`, from its own description: the corpus the guards must accept as valibot does. */
function fitting(schema: Node): fc.Arbitrary<unknown> {
  const [base, ...actions] = schema.pipe ?? [schema];
  const requirement = (type: string) => actions.find((action) => action.type === type)?.requirement;
  switch (base?.type) {
    case 'string': {
      const minLength = (requirement('min_length') as number | undefined) ?? 0;
      const maxLength = Math.min((requirement('max_length') as number | undefined) ?? 12, 12);
      const pattern = requirement('regex') as RegExp | undefined;
      const strings = pattern ? fc.stringMatching(pattern) : fc.string({ minLength, maxLength });
      return strings.filter((text) => text.length >= minLength && text.length <= maxLength);
    }
    case 'number': {
      const min = requirement('min_value') as number | undefined;
      const max = requirement('max_value') as number | undefined;
      if (actions.some((action) => action.type === 'integer' || action.type === 'safe_integer')) {
        return fc
          .bigInt({
            min: BigInt(min ?? Number.MIN_SAFE_INTEGER),
            max: BigInt(max ?? Number.MAX_SAFE_INTEGER),
          })
          .map(Number);
      }
      return fc.double({
        noNaN: true,
        ...(min === undefined ? {} : { min }),
        ...(max === undefined ? {} : { max }),
      });
    }
    case 'boolean':
      return fc.boolean();
    case 'unknown':
      return fc.jsonValue();
    case 'picklist':
      return fc.constantFrom(...(base.options ?? []));
    case 'literal':
      return fc.constant(base.literal);
    case 'optional':
      return fc.option(fitting(base.wrapped as Node), { nil: undefined });
    case 'array':
      return fc.array(fitting(base.item as Node), { maxLength: 3 });
    case 'record':
      return fc.dictionary(fitting(base.key as Node) as fc.Arbitrary<string>, fitting(base.value as Node), {
        maxKeys: 3,
      });
    case 'object': {
      const entries = Object.entries(base.entries ?? {});
      return fc.record(Object.fromEntries(entries.map(([key, entry]) => [key, fitting(entry)])), {
        requiredKeys: entries.filter(([, entry]) => entry.type !== 'optional').map(([key]) => key),
      });
    }
    case 'variant':
      return fc.oneof(...(base.options as Node[]).map(fitting));
    default:
      throw new Error(`no corpus for schema type ${base?.type}`);
  }
}

/** Every path to a part of `value`, the value itself first. */
function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [path];
  return [path, ...Object.entries(value).flatMap(([key, part]) => pathsOf(part, [...path, key]))];
}

/** `value` with the part at `path` replaced (or removed, for `removed`). */
function replaced(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  if (rest.length === 0 && replacement === removed) delete copy[key];
  else copy[key] = replaced(copy[key], rest, replacement);
  return copy;
}
const removed = Symbol('removed');

/** Parts that each break some schema somewhere: wrong types, bounds either side, bad ids, unknown tags. */
const misfits = fc.oneof(
  fc.constantFrom(
    removed,
    null,
    undefined,
    true,
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    253_402_300_800_000,
    '',
    'x',
    'not an id!',
    'a'.repeat(65),
    'a'.repeat(121),
    [],
    {},
    'chat',
    'agent',
    'message',
  ),
  fc.anything(),
);

/** Fitting values of `schema`, and the same with one part replaced by a misfit. */
function corpus(schema: Node): fc.Arbitrary<unknown> {
  const fit = fitting(schema);
  const mutated = fit.chain((value) => {
    const paths = pathsOf(value);
    return fc.tuple(fc.constantFrom(...paths), misfits).map(([path, part]) => replaced(value, path, part));
  });
  return fc.oneof(fit, mutated, mutated);
}

/** The guard and the schema agree: both accept with the same output, or both refuse naming the same field. */
function assertAgree(guarded: ParseResult<unknown>, validated: ParseResult<unknown>, value: unknown): void {
  assert.equal(guarded.ok, validated.ok, `accepted by one only: ${JSON.stringify(value)}`);
  if (guarded.ok && validated.ok) assert.deepEqual(guarded.value, validated.value);
  if (!guarded.ok && !validated.ok) {
    assert.equal(guarded.error.code, validated.error.code);
    assert.equal(guarded.error.field, validated.error.field, `field of ${JSON.stringify(value)}`);
  }
}

describe('generated guards (what a client checks server frames with)', () => {
  it('are generated from the current schemas (run protocol.guards.codegen.ts after changing a schema)', () => {
    const written = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
    const { visitor, staff } = generatedGuardsSources();
    assert.equal(written('./protocol.guards.generated.ts'), visitor);
    assert.equal(written('./protocol.guards.staff.generated.ts'), staff);
  });

  it('accept, output and refuse server frames as serverFrameSchema does', () => {
    fc.assert(
      fc.property(corpus(serverFrameSchema as unknown as Node), (frame) => {
        assertAgree(parseServerFrame(frame), validateValue(serverFrameSchema, frame), frame);
      }),
      { numRuns: 3000 },
    );
  });

  it("accept, output and refuse a visitor's frames as serverFrameSchema without the staff notices does", () => {
    fc.assert(
      fc.property(corpus(visitorServerFrameSchema as unknown as Node), (frame) => {
        assertAgree(
          parseFrameWith(visitorFrameGuard, frame),
          validateValue(visitorServerFrameSchema, frame),
          frame,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("refuse the staff notices in a visitor's frames, and keep the notices a visitor reads", () => {
    for (const notice of [
      { type: 'presence', status: 'available' },
      { type: 'board' },
      { type: 'offer.revoked', cid: 'c1', reason: 'timeout' },
    ]) {
      assert.equal(parseServerFrame({ t: 'notice', notice }).ok, true, notice.type);
      const refused = parseFrameWith(visitorFrameGuard, { t: 'notice', notice });
      assert.equal(!refused.ok && refused.error.field, 'notice.type', notice.type);
    }
    const position = { type: 'position', cid: 'c1', position: 2 };
    assert.deepEqual(parseFrameWith(visitorFrameGuard, { t: 'notice', notice: position }), {
      ok: true,
      value: { t: 'notice', notice: position },
    });
  });

  it('accept, output and refuse the ack results of every visitor command as their schemas do', () => {
    for (const [op, schema] of Object.entries(visitorResultSchemasAsRead)) {
      const guards = { [op]: visitorResultGuards[op as keyof typeof visitorResultGuards] };
      fc.assert(
        fc.property(corpus(schema as unknown as Node), (result) => {
          const guarded = parseCommandResult(op as keyof typeof visitorResultSchemasAsRead, result, guards);
          assertAgree(guarded, validateValue(schema as v.GenericSchema, result), result);
        }),
        { numRuns: 200 },
      );
    }
  });

  it("keep an interaction's snoozedUntil for staff, and leave it out of a visitor's checks (their chats never snooze)", () => {
    const interaction = {
      id: 'c1',
      channel: 'email',
      state: 'snoozed',
      queueId: 'q1',
      customer: { id: 'v1', identified: false, attributes: {} },
      participants: [],
      priority: 0,
      requiredSkills: [],
      prechat: {},
      timestamps: { createdAt: 1 },
      snoozedUntil: 5,
    };
    const frame = { t: 'notice', notice: { type: 'interaction', interaction } };
    assert.deepEqual(parseServerFrame(frame), { ok: true, value: frame });
    const { snoozedUntil: _, ...visitorView } = interaction;
    assert.deepEqual(parseFrameWith(visitorFrameGuard, frame), {
      ok: true,
      value: { ...frame, notice: { type: 'interaction', interaction: visitorView } },
    });
  });

  it('drop keys no schema names, and say which field is wrong and what was found', () => {
    const ping = parseServerFrame('{"t":"ping","ts":5,"extra":1}');
    assert.deepEqual(ping.ok && ping.value, { t: 'ping', ts: 5 });
    const wrong = parseServerFrame({ t: 'gap', cid: 'c1', after: -1 });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.error.field, 'after');
    assert.match(!wrong.ok ? wrong.error.message : '', /after: unexpected -1/);
    assert.deepEqual(serverFrameGuard({ t: 'pong', ts: 1 }), { t: 'pong', ts: 1 });
  });
});
