// Property: no frame a client can send makes the server fail with `internal`. Command frames for every operation
// are built from the protocol schemas themselves: all fields but one get values that pass, the one gets an edge
// value (empty and over-long strings, NUL and lone surrogates, emoji, right-to-left text; 0, -1, 2^53 + 1, 1e308,
// 1e400, fractions, dates past the year 9999; unknown time zones; a wrong type, a missing or an unknown field), so
// that the edge reaches the hub and storage whenever the schema lets it through. They are sent as a visitor, an
// agent and a supervisor to a real server; `hello` frames with edge tokens and resume cursors open fresh
// connections. No answer may be `internal`, no frame may go unanswered and nothing may be logged as an error.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  COMMAND_OPS,
  type CommandOp,
  commandArgsSchemas,
  LIMITS,
  MAX_EPOCH_MS,
  PROTOCOL_VERSION,
  parseClientFrame,
  type ServerFrame,
} from '@helpline/core';
import fc from 'fast-check';
import type { HelplineServer } from './server';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from './testing/databases';
import {
  staffToken,
  startTestServer,
  TestClient,
  type TestServerOptions,
  visitorToken,
} from './testing/harness';

/** Command frames per storage: about 3 ms each on PGlite, 4 ms on PostgreSQL. */
const COMMAND_FRAMES = Number(process.env.HELPLINE_FUZZ_FRAMES ?? 3000);
const HELLO_FRAMES = Math.ceil(COMMAND_FRAMES / 10);
/** Replays a failing run: `HELPLINE_FUZZ_SEED=<seed from the failure>`. */
const SEED = Number(process.env.HELPLINE_FUZZ_SEED ?? Date.now() % 2 ** 31);

/**
 * Findings whose fix belongs to the hub, not to the schemas. They do not fail the fuzz runs; the todo test at the
 * end lists them. Remove an entry once its fix has landed.
 */
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// ─── frames from the schemas ─────────────────────────────────────────────────────────────────────────

/** The parts of a valibot schema the generator reads (valibot schemas are plain, introspectable objects). */
interface SchemaNode {
  readonly type: string;
  readonly kind?: string;
  /** A piped schema: the schema it starts from (itself, or another piped schema), then its actions. */
  readonly pipe?: readonly (SchemaNode & { readonly kind: string; readonly requirement?: unknown })[];
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly options?: readonly unknown[];
  readonly wrapped?: SchemaNode;
  readonly key?: SchemaNode | string;
  readonly value?: SchemaNode;
  /** An array's items. */
  readonly item?: SchemaNode;
  readonly literal?: unknown;
}

/** A frame as generated: JSON-like, with raw numbers, references and ordered objects still in it. */
type Draft = unknown;

/** A number written verbatim into the JSON text (`1e400` parses to Infinity; `9007199254740993` rounds). */
class RawNumber {
  constructor(readonly text: string) {}
}

type RefKind = 'cid' | 'callId' | 'customerId' | 'token' | 'resumeToken' | 'id';

/** A value known only when the frame is sent: a live conversation (mostly a recent one), a call, a token. */
class Ref {
  constructor(
    readonly kind: RefKind,
    readonly back = 0,
  ) {}
}

/** An object as an ordered list of pairs, so that keys like `__proto__` survive until the JSON text. */
class Entries {
  constructor(readonly pairs: readonly (readonly [Draft, Draft])[]) {}
}

type Pair = readonly [Draft, Draft];
type Mode = 'pass' | 'edge';

const OMIT = Symbol('omit');
const NOW = Date.now();
const HOUR = 3_600_000;

// Mostly the newest few: older conversations have ended.
const ref = (kind: RefKind) =>
  fc.oneof(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(20)).map((back) => new Ref(kind, back));

/** Values that pass for a field, by name, where the schema's shape alone would not find one that means something. */
const PASSING: Readonly<Record<string, fc.Arbitrary<Draft>>> = {
  cid: ref('cid'),
  callId: ref('callId'),
  customerId: ref('customerId'),
  peer: fc.constantFrom('p1', 'p2'),
  queueId: fc.constantFrom('support', 'support', 'sales', 'nowhere'),
  toQueueId: fc.constantFrom('support', 'sales', 'nowhere'),
  agentId: fc.constantFrom('alice', 'alice', 'bob', 'sam', 'nobody'),
  toAgentId: fc.constantFrom('alice', 'bob', 'sam', 'nobody'),
  topic: fc.constantFrom('support', 'billing'),
  disposition: fc.constantFrom('done', 'unknown'),
  reason: fc.constantFrom('lunch', 'meeting'),
  phone: fc.constantFrom('+14155550123', '+31201234567', '+999999999999999'),
  timeZone: fc.constantFrom('Europe/Amsterdam', 'UTC', 'US/Eastern', 'europe/paris', 'Etc/GMT+12'),
  language: fc.constantFrom('en', 'nl-NL', 'zh-Hant-TW'),
  requestId: fc.uuid({ version: 7 }),
  clientMsgId: fc.uuid({ version: 7 }),
  digits: fc.constantFrom('123#', '*0,9'),
  text: fc.constantFrom('Hello', 'Where is my order?', 'my card is 4111 1111 1111 1111', '👋 שלום'),
  notes: fc.constantFrom('Refund issued', 'Ünïcödé ✓'),
  sdp: fc.constant('v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n'),
  candidate: fc.constantFrom('candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', ''),
  // `hello`: the connecting role's own tokens.
  token: fc.constant(new Ref('token')),
  resumeToken: fc.constant(new Ref('resumeToken')),
};

/** Edge values particular to a field, on top of the edges of its type. */
const FIELD_EDGES: Readonly<Record<string, fc.Arbitrary<Draft>>> = {
  timeZone: fc.constantFrom('Mars/Olympus_Mons', '+05:00', 'Local', 'Europe/Amsterdam\u0000', 'utc '),
  phone: fc.constantFrom('+0123456789', '14155550123', '+1 415 555 0123', '+1415555012345678'),
  cid: fc.constantFrom('c-unknown', 'alice', 'x'.repeat(LIMITS.id)),
};

/** Strings on or past an edge: what storage, JSON or a renderer may choke on. */
function edgeStrings(max: number | undefined): fc.Arbitrary<Draft> {
  const long = max ?? 1000;
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfff',
      '\udc00\ud800',
      '😀',
      '👩🏽‍💻 ok',
      '\u202eevil.exe',
      'مرحبا بالعالم',
      'e\u0301',
      '<img src=x onerror=alert(1)>',
      '__proto__',
      "'; DROP TABLE events; --",
      '\\u0000',
      'x'.repeat(long),
      'x'.repeat(long + 1),
      '😀'.repeat(Math.floor(long / 2)),
      '😀'.repeat(Math.floor(long / 2) + 1),
      `${'x'.repeat(long - 1)}\ud83d`,
    ),
    // Any UTF-16 units: NUL, control characters and unpaired surrogates included.
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
      maxLength: 12,
    }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );
}

function edgeNumbers(min: number | undefined, max: number | undefined): fc.Arbitrary<Draft> {
  const around = [min, max]
    .filter((n): n is number => n !== undefined)
    .flatMap((n) => [n - 1, n, n + 1, n + 0.5]);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom<Draft>(
        0,
        -0,
        -1,
        0.5,
        2 ** 31,
        2 ** 53 - 1,
        2 ** 53,
        2 ** 63,
        2 ** 64,
        1e308,
        -1e308,
        5e-324,
        8.64e15,
        8.64e15 + 1,
        MAX_EPOCH_MS,
        MAX_EPOCH_MS + 1,
        NOW + 0.5,
        NOW - 400 * 24 * HOUR,
        NOW + 400 * 24 * HOUR,
        new RawNumber('9007199254740993'),
        new RawNumber('1e400'),
        new RawNumber('-1e400'),
        new RawNumber('1e-400'),
        new RawNumber('-0.0'),
        ...around,
      ),
    },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  );
}

/** Values of another JSON type than a field wants. */
const WRONG_TYPES: readonly Draft[] = [null, true, 0, 'x', [], new Entries([]), [1, 'a']];
const wrongType = fc.constantFrom(...WRONG_TYPES);

const TIME_FIELDS = new Set(['slot', 'at', 'from', 'to', 'ts']);

/** The requirement of a pipe's `type` action (`max_length`: the length), looking into pipes of pipes too. */
function requirement(node: SchemaNode, type: string): unknown {
  for (const item of node.pipe ?? []) {
    const found =
      item.kind === 'schema'
        ? item !== node && requirement(item, type)
        : item.type === type && item.requirement;
    if (found !== false && found !== undefined) return found;
  }
  return undefined;
}

/**
 * A value for `node` (the field named `key`). In `pass` mode it should pass the schema; in `edge` mode exactly one
 * place in it is an edge value (which the schema may or may not let through).
 */
function draftOf(node: SchemaNode, key: string, mode: Mode): fc.Arbitrary<Draft> {
  if (
    mode === 'edge' &&
    node.type !== 'optional' &&
    node.type !== 'nullable' &&
    node.type !== 'object' &&
    node.type !== 'strict_object'
  ) {
    return fc.oneof({ weight: 12, arbitrary: edgeOf(node, key) }, { weight: 1, arbitrary: wrongType });
  }
  switch (node.type) {
    case 'optional':
      return draftOf(node.wrapped as SchemaNode, key, mode);
    case 'nullable': {
      // null clears the field (a case's assignee); the edge, if this field has it, is in the value.
      const value = draftOf(node.wrapped as SchemaNode, key, mode);
      return mode === 'edge' ? value : fc.oneof(fc.constant(null), value);
    }
    case 'string': {
      const regex = requirement(node, 'regex') as RegExp | undefined;
      const max = requirement(node, 'max_length') as number | undefined;
      return (
        PASSING[key] ??
        (regex
          ? fc.stringMatching(regex, { size: 'xsmall' }).filter((s) => max === undefined || s.length <= max)
          : fc.string({ minLength: 1, maxLength: Math.min(max ?? 20, 20) }).filter((s) => s.trim() !== ''))
      );
    }
    case 'number': {
      if (TIME_FIELDS.has(key)) return fc.integer({ min: NOW - 48 * HOUR, max: NOW + 48 * HOUR });
      const min = requirement(node, 'min_value') as number | undefined;
      const max = requirement(node, 'max_value') as number | undefined;
      return fc.integer({ min: min ?? 0, max: max ?? 40 });
    }
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constant(node.literal);
    case 'picklist':
      return fc.constantFrom(...(node.options as Draft[]));
    case 'union':
    case 'variant':
      return fc.oneof(...(node.options as SchemaNode[]).map((option) => draftOf(option, key, mode)));
    case 'record': {
      const keys = key === 'cursors' ? ref('cid') : fc.constantFrom('name', 'email', 'order');
      const value = draftOf(node.value as SchemaNode, key === 'cursors' ? 'seq' : key, 'pass');
      return fc.array(fc.tuple(keys, value), { maxLength: 3 }).map((pairs) => new Entries(pairs));
    }
    case 'array': {
      const max = requirement(node, 'max_length') as number | undefined;
      return fc.array(draftOf(node.item as SchemaNode, key, 'pass'), { maxLength: Math.min(max ?? 3, 3) });
    }
    case 'object':
    case 'strict_object':
      return objectDraft(node, mode);
    default:
      throw new Error(`no generator for schema type ${node.type} (field ${key})`);
  }
}

/** Edge values of a leaf (or a record) field. */
function edgeOf(node: SchemaNode, key: string): fc.Arbitrary<Draft> {
  switch (node.type) {
    case 'string': {
      const strings = edgeStrings(requirement(node, 'max_length') as number | undefined);
      const own = FIELD_EDGES[key];
      return own ? fc.oneof(own, strings) : strings;
    }
    case 'number':
      return edgeNumbers(
        requirement(node, 'min_value') as number | undefined,
        requirement(node, 'max_value') as number | undefined,
      );
    case 'literal':
      return fc.constantFrom<Draft>('other', 2, '');
    case 'picklist':
      return fc.constantFrom<Draft>('bogus', '', 6, 0, 'Available');
    case 'union':
    case 'variant':
      return fc.oneof(...(node.options as SchemaNode[]).map((option) => draftOf(option, key, 'edge')));
    case 'record': {
      const pass = draftOf(node, key, 'pass') as fc.Arbitrary<Entries>;
      const badKey = fc.tuple(
        edgeStrings(64),
        draftOf(node.value as SchemaNode, key === 'cursors' ? 'seq' : key, 'pass'),
      );
      const badValue = fc.tuple(
        key === 'cursors' ? ref('cid') : fc.constant('name'),
        draftOf(node.value as SchemaNode, key === 'cursors' ? 'seq' : key, 'edge'),
      );
      const many = key === 'cursors' ? LIMITS.cursors + 1 : LIMITS.prechatFields + 1;
      return fc.oneof(
        fc
          .tuple(pass, fc.oneof(badKey, badValue))
          .map(([{ pairs }, bad]) => new Entries([...pairs, bad] as Pair[])),
        fc.constant(new Entries(Array.from({ length: many }, (_, i) => [`k${i}`, 1] as const))),
      );
    }
    case 'array': {
      // Empty, one item too many, or an item at an edge.
      const item = node.item as SchemaNode;
      const many = ((requirement(node, 'max_length') as number | undefined) ?? 3) + 1;
      return fc.oneof(
        fc.constant<Draft>([]),
        fc.array(draftOf(item, key, 'pass'), { minLength: many, maxLength: many }),
        fc.array(draftOf(item, key, 'edge'), { minLength: 1, maxLength: 2 }),
      );
    }
    default:
      return wrongType;
  }
}

/** An object whose fields all pass, or (in `edge` mode) with one field at an edge, missing, or one field too many. */
function objectDraft(node: SchemaNode, mode: Mode): fc.Arbitrary<Draft> {
  const entries = Object.entries(node.entries ?? {});
  const fieldDraft = (name: string, field: SchemaNode, fieldMode: Mode) =>
    field.type === 'optional' && fieldMode === 'pass'
      ? fc.option(draftOf(field, name, 'pass'), { nil: OMIT, freq: 3 })
      : draftOf(field, name, fieldMode);
  const build = (faulty: number | undefined, extra: readonly Pair[]) =>
    fc
      .tuple(...entries.map(([name, field], i) => fieldDraft(name, field, i === faulty ? 'edge' : 'pass')))
      .map(
        (values) =>
          new Entries([
            ...entries.flatMap(([name], i) => (values[i] === OMIT ? [] : [[name, values[i]] as const])),
            ...extra,
          ]),
      );
  if (mode === 'pass' || entries.length === 0) {
    return mode === 'pass'
      ? build(undefined, [])
      : fc.constantFrom('extra', 'Cid', '__proto__').map((k) => new Entries([[k, 1]]));
  }
  // A frame's type tag `t` stays put: frames that break it are made on purpose elsewhere.
  const fields = entries.map(([name], i) => (name === 't' ? -1 : i)).filter((i) => i >= 0);
  const required = fields.filter((i) => entries[i]?.[1].type !== 'optional');
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...fields).chain((i) => build(i, [])) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('extra', 'Cid', '__proto__', 'constructor')
        .chain((k) => build(undefined, [[k, 1]])),
    },
    ...(required.length
      ? [
          {
            weight: 1,
            arbitrary: fc
              .constantFrom(...required)
              .chain((i) => build(undefined, []).map((o) => dropKey(o, entries[i]?.[0]))),
          },
        ]
      : []),
  );
}

function dropKey(draft: Draft, key: string | undefined): Draft {
  return draft instanceof Entries ? new Entries(draft.pairs.filter(([k]) => k !== key)) : draft;
}

type Role = 'visitor' | 'agent' | 'supervisor';

const VISITOR_OPS = new Set<CommandOp>([
  'chat.start',
  'callback.request',
  'callback.cancel',
  'offline.leave',
  'csat.submit',
  'conversation.email',
  'conversation.list',
]);
const SHARED_OPS = new Set<CommandOp>(['message.send', 'typing', 'read', 'history', 'chat.end']);

/** Who would send `op`: it is sent as that role mostly, as anyone now and then (to exercise the refusals). */
function rolesFor(op: CommandOp): Role[] {
  if (VISITOR_OPS.has(op)) return ['visitor'];
  if (SHARED_OPS.has(op) || op.startsWith('call.')) return ['visitor', 'agent'];
  if (op.startsWith('supervisor.')) return ['supervisor'];
  return ['agent'];
}

interface Sent {
  readonly as: Role;
  readonly op: string;
  readonly frame: Draft;
}

const commandDraft: fc.Arbitrary<Sent> = fc.constantFrom(...COMMAND_OPS).chain((op) =>
  fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...rolesFor(op)) },
        { weight: 1, arbitrary: fc.constantFrom<Role>('visitor', 'agent', 'supervisor') },
      ),
      fc.oneof(
        { weight: 1, arbitrary: fc.constant<Mode>('pass') },
        { weight: 3, arbitrary: fc.constant<Mode>('edge') },
      ),
      // Rarely the frame itself is broken; those have no id to answer to, so the server closes the connection.
      fc.oneof(
        { weight: 60, arbitrary: fc.constant<'ok' | 'no-id' | 'bad-id' | 'bad-op'>('ok') },
        { weight: 1, arbitrary: fc.constantFrom('no-id' as const, 'bad-id' as const, 'bad-op' as const) },
      ),
    )
    .chain(([as, mode, broken]) =>
      draftOf(commandArgsSchemas[op] as unknown as SchemaNode, 'args', mode).map((args) => ({
        as,
        op,
        frame: new Entries([
          ['t', 'cmd'],
          ...(broken === 'no-id' ? [] : [['id', broken === 'bad-id' ? 7 : new Ref('id')] as const]),
          ['op', broken === 'bad-op' ? `${op}.nope` : op],
          ['args', args],
        ]),
      })),
    ),
);

/** A `hello` shaped like the schema, with the role's real token and resume token unless one field is at an edge. */
const helloNode: SchemaNode = {
  type: 'strict_object',
  entries: {
    t: { type: 'literal', literal: 'hello' },
    v: { type: 'literal', literal: PROTOCOL_VERSION },
    token: { type: 'string', pipe: [{ kind: 'validation', type: 'max_length', requirement: LIMITS.token }] },
    resume: {
      type: 'optional',
      wrapped: {
        type: 'strict_object',
        entries: {
          resumeToken: {
            type: 'string',
            pipe: [{ kind: 'validation', type: 'max_length', requirement: LIMITS.token }],
          },
          cursors: { type: 'record', key: { type: 'string' }, value: { type: 'number' } },
        },
      },
    },
  },
};

const helloDraft: fc.Arbitrary<Sent> = fc
  .tuple(
    fc.constantFrom<Role>('visitor', 'agent', 'supervisor'),
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mode>('pass') },
      { weight: 3, arbitrary: fc.constant<Mode>('edge') },
    ),
  )
  .chain(([as, mode]) =>
    // The schema's field is `token`; `resumeToken` above only picks a different passing value.
    draftOf(helloNode, 'hello', mode).map((frame) => ({ as, op: 'hello', frame: renameResumeToken(frame) })),
  );

function renameResumeToken(draft: Draft): Draft {
  if (!(draft instanceof Entries)) return draft;
  return new Entries(
    draft.pairs.map(([k, v]) =>
      k === 'resume' && v instanceof Entries
        ? [k, new Entries(v.pairs.map(([rk, rv]) => [rk === 'resumeToken' ? 'token' : rk, rv] as const))]
        : [k, v],
    ),
  );
}

/** What references resolve to when a frame is sent. */
type Known = Record<RefKind, readonly string[]>;

/** The JSON text of a draft, references resolved (the newest conversations, mostly). */
function toJson(draft: Draft, known: Known): string {
  if (draft instanceof RawNumber) return draft.text;
  if (draft instanceof Ref) {
    const pool = known[draft.kind];
    return JSON.stringify(pool[Math.max(0, pool.length - 1 - draft.back)] ?? 'none');
  }
  if (draft instanceof Entries)
    return `{${draft.pairs.map(([k, v]) => `${toJson(k, known)}:${toJson(v, known)}`).join(',')}}`;
  if (Array.isArray(draft)) return `[${draft.map((v) => toJson(v, known)).join(',')}]`;
  return JSON.stringify(draft);
}

// ─── running against a server ───────────────────────────────────────────────────────────────────────

/** One role's connection; after the server closed it (for a broken frame) it connects again. */
class Party {
  client: TestClient | undefined;
  resumeToken = 'r-none';

  constructor(
    readonly server: HelplineServer,
    readonly as: Role,
    readonly token: string,
  ) {}

  open(): Promise<TestClient> {
    return TestClient.open(this.server.socketUrl, this.as === 'visitor' ? {} : { site: '', origin: null });
  }

  async connected(): Promise<TestClient> {
    if (this.client && !this.client.closed) return this.client;
    const client = await TestClient.connect(
      this.server.socketUrl,
      this.token,
      this.as === 'visitor' ? {} : { site: '', origin: null },
    );
    this.adopt(client);
    if (!client.welcome) throw new Error(`${this.as} was refused: ${JSON.stringify(client.frames)}`);
    return client;
  }

  /** A connection that was welcomed now stands for the role; its resume token is the one to use next. */
  adopt(client: TestClient): void {
    if (this.client !== client) this.client?.terminate();
    this.client = client;
    this.resumeToken = client.welcome?.resumeToken ?? this.resumeToken;
    cleanups.push(async () => client.terminate());
  }
}

/** Runs a command again when the server answers `limit/rate` (call commands have a tight budget per connection). */
async function unlimited<R extends { ok: boolean; error?: { code: string; retryAfterMs?: number } }>(
  command: () => Promise<R>,
): Promise<R> {
  for (;;) {
    const reply = await command();
    if (reply.ok || reply.error?.code !== 'limit/rate') return reply;
    await new Promise((resolve) => setTimeout(resolve, reply.error?.retryAfterMs ?? 100));
  }
}

async function fuzz(storage: TestServerOptions['storage'], note: (line: string) => void): Promise<void> {
  const logLines: string[] = [];
  const consoleErrors: string[] = [];
  // The hub reports failures it could not type on `console.error`; each is a finding.
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    consoleErrors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  try {
    const server = await startTestServer({ ...(storage ? { storage } : {}), logLines });
    cleanups.push(() => server.close());
    const visitor = await visitorToken(server);
    const parties: Record<Role, Party> = {
      visitor: new Party(server, 'visitor', visitor.token),
      // A name claim storage cannot keep (a NUL): it must be left out, not fail the writes that carry it.
      agent: new Party(server, 'agent', await staffToken('alice', { name: 'Alice\u0000' })),
      supervisor: new Party(server, 'supervisor', await staffToken('sam', { role: 'supervisor' })),
    };
    const known = { cid: [] as string[], callId: [] as string[], customerId: [visitor.id] };
    const findings: string[] = [];
    let attributed = 0;
    // How frames were answered (`ack` or the error code): shows how many got past validation.
    const answers = new Map<string, number>();
    const count = (what: string) => answers.set(what, (answers.get(what) ?? 0) + 1);
    // Conversations that have (or had) a call: they are hung up before the server closes.
    const withCalls = new Set<string>();
    const learn = (result: unknown) => {
      const { cid, call, interaction } = (result ?? {}) as {
        cid?: unknown;
        call?: { callId?: unknown; cid?: unknown };
        interaction?: { channel?: unknown };
      };
      if (typeof cid === 'string' && !known.cid.includes(cid)) known.cid.push(cid);
      if (typeof cid === 'string' && interaction?.channel === 'voice') withCalls.add(cid);
      if (typeof call?.callId === 'string' && !known.callId.includes(call.callId))
        known.callId.push(call.callId);
      if (typeof call?.cid === 'string') withCalls.add(call.cid);
    };

    /** Live conversations for the frames to aim at: a chat in progress with a call, one in wrap-up, a callback. */
    async function stage(): Promise<void> {
      const v = await parties.visitor.connected();
      const a = await parties.agent.connected();
      // Staging commands are checked like the fuzzed ones.
      const staged = <R extends { ok: boolean; error?: { code: string; message: string } }>(
        reply: R,
        what: string,
      ): R => {
        if (reply.error?.code === 'internal')
          findings.push(`nack ${reply.error.message}\n    staging: ${what}`);
        return reply;
      };
      staged(await a.command('presence.set', { status: 'available' }), 'presence.set');
      // Free the agent's capacity, or no new chat would be offered to them: end what they handle, wrap it up.
      const snapshot = staged(await a.command('agent.snapshot', {}), 'agent.snapshot');
      for (const { id: cid, channel, queueId } of snapshot.ok ? snapshot.result.interactions : []) {
        if (channel === 'callback')
          staged(await a.command('callback.outcome', { cid, outcome: 'failed' }), 'callback.outcome');
        else staged(await v.command('chat.end', { cid }), 'chat.end');
        // Only `support` has dispositions (TEST_CONFIG).
        const wrapUp = queueId === 'support' ? { cid, disposition: 'done' } : { cid };
        staged(await a.command('wrapup.submit', wrapUp), 'wrapup.submit');
      }
      // The agent takes what routing offers them: the visitor's older chats wait ahead of a new one. The first is
      // ended (the agent in wrap-up), the second stays in progress with a call; both become the newest references.
      for (const end of [true, false]) {
        const from = a.frames.length;
        const chat = staged(
          await v.command('chat.start', { channel: 'chat', queueId: 'support' }),
          'chat.start',
        );
        if (chat.ok) learn(chat.result);
        const pending = staged(await a.command('agent.snapshot', {}), 'agent.snapshot');
        let cid = pending.ok ? pending.result.offers[0]?.interaction.id : undefined;
        if (!cid) {
          const offer = await a
            .waitFor((f) => f.t === 'notice' && f.notice.type === 'offer', 'offer', 1_000, from)
            .catch(() => undefined);
          if (offer?.t === 'notice' && offer.notice.type === 'offer') cid = offer.notice.offer.interaction.id;
        }
        if (!cid || !staged(await a.command('offer.accept', { cid }), 'offer.accept').ok) continue;
        known.cid.splice(known.cid.indexOf(cid), 1);
        known.cid.push(cid);
        const clientMsgId = crypto.randomUUID();
        staged(await a.command('message.send', { cid, clientMsgId, text: 'Hello' }), 'message.send (agent)');
        if (end) {
          staged(await v.command('chat.end', { cid }), 'chat.end');
          continue;
        }
        const call = staged(await v.command('call.start', { cid }), 'call.start');
        if (call.ok) learn(call.result);
      }
      const callback = staged(
        await v.command('callback.request', {
          phone: '+14155550123',
          timeZone: 'Europe/Amsterdam',
          slot: 'asap',
        }),
        'callback.request',
      );
      if (callback.ok) learn(callback.result);
    }

    /**
     * Waits until the server has done all it does for the frames sent so far on `client` (it handles a
     * connection's frames one after the other, so the answer to a ping comes after), then blames `raw` for any
     * error the hub logged meanwhile.
     */
    async function settle(client: TestClient, as: Role, raw: string): Promise<void> {
      if (!client.closed) {
        const ts = Date.now();
        const from = client.frames.length;
        client.sendFrame({ t: 'ping', ts });
        await client
          .waitFor((f) => f.t === 'pong' && f.ts === ts, 'pong', 5_000, from)
          .catch(() => (client.closed ? undefined : findings.push(`no pong after\n    as ${as}: ${raw}`)));
      }
      for (const line of consoleErrors.slice(attributed))
        findings.push(`console.error: ${line.slice(0, 300)}\n    as ${as}: ${raw.slice(0, 600)}`);
      attributed = consoleErrors.length;
    }

    function check(reply: ServerFrame, as: Role, raw: string, what: string): void {
      const error = reply.t === 'nack' || reply.t === 'bye' ? reply.error : undefined;
      count(`${what}${error?.code ?? reply.t}`);
      if (error?.code === 'internal')
        findings.push(`${reply.t} ${error.message}\n    as ${as}: ${raw.slice(0, 600)}`);
    }

    async function sendCommand({ as, frame }: Sent, id: string): Promise<void> {
      const client = await parties[as].connected();
      const from = client.frames.length;
      const raw = toJson(frame, { ...known, id: [id], token: [], resumeToken: [] });
      client.sendRaw(raw);
      const reply = await client
        .waitFor(
          (f) => ((f.t === 'ack' || f.t === 'nack') && f.id === id) || f.t === 'bye',
          `reply to ${id}`,
          5_000,
          from,
        )
        .catch((error: unknown) => error as Error);
      if (reply instanceof Error) {
        // A frame without a readable id is answered by closing the connection.
        if (client.closed && client.closed.reason !== 'internal') count(`closed ${client.closed.reason}`);
        else findings.push(`no answer (${reply.message.slice(0, 200)})\n    as ${as}: ${raw.slice(0, 600)}`);
      } else {
        check(reply, as, raw, '');
        if (reply.t === 'ack') learn(reply.result);
        if (reply.t === 'bye') await client.waitClosed();
      }
      await settle(client, as, raw);
    }

    async function sendHello({ as, frame }: Sent): Promise<void> {
      const party = parties[as];
      await party.connected();
      const client = await party.open();
      cleanups.push(async () => client.terminate());
      const raw = toJson(frame, { ...known, id: [], token: [party.token], resumeToken: [party.resumeToken] });
      client.sendRaw(raw);
      const reply = await client
        .waitFor((f) => f.t === 'welcome' || f.t === 'bye', 'welcome', 5_000)
        .catch((error: unknown) => error as Error);
      if (reply instanceof Error) {
        findings.push(
          `no answer to hello (${reply.message.slice(0, 200)})\n    as ${as}: ${raw.slice(0, 600)}`,
        );
      } else {
        check(reply, as, raw, 'hello ');
        // A resume spends the old resume token: the welcomed connection takes the role over.
        if (reply.t === 'welcome') party.adopt(client);
      }
      // The welcome goes out before the replay of what the cursors missed: wait for that too.
      await settle(client, as, raw);
      if (party.client !== client) client.terminate();
    }

    await stage();
    const commands = fc.sample(commandDraft, { numRuns: COMMAND_FRAMES, seed: SEED });
    const hellos = fc.sample(helloDraft, { numRuns: HELLO_FRAMES, seed: SEED });
    for (const [i, sent] of commands.entries()) {
      // The frames end conversations and take the agent offline: stage fresh ones now and then.
      if (i > 0 && i % 50 === 0) await stage();
      const hello = i % 10 === 5 ? hellos[(i - 5) / 10] : undefined;
      if (hello) await sendHello(hello);
      await sendCommand(sent, `f${i}`);
    }

    // Timers the frames armed (offers, wrap-up, callbacks due) fire now if they are about to.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // A call still going at shutdown arms a timer that outlives the server (the process would linger): end them.
    const v = await parties.visitor.connected();
    for (const cid of withCalls) {
      const attached = await unlimited(() => v.command('call.attach', { cid }));
      const call = attached.ok ? attached.result.call : undefined;
      if (call && call.state !== 'ended')
        await unlimited(() => v.command('call.hangup', { cid, callId: call.callId }));
    }
    note(
      [...answers]
        .sort((a, b) => b[1] - a[1])
        .map(([what, n]) => `${what}: ${n}`)
        .join(', '),
    );
    const errorLines = logLines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error');
    const failures = [
      ...findings,
      ...errorLines.map((line) => `log: ${line}`),
      ...consoleErrors.slice(attributed).map((line) => `console.error: ${line.slice(0, 600)}`),
    ];
    assert.equal(
      failures.length,
      0,
      `seed ${SEED}: ${failures.length} failures in ${commands.length} command and ${hellos.length} hello frames:\n${failures.join('\n')}`,
    );
  } finally {
    console.error = consoleError;
  }
}

describe('fuzzing the protocol with edge values from the schemas', () => {
  it('never answers internal on PGlite', async (t) => {
    await fuzz({ kind: 'pglite', dataDir: await freshPgliteDir() }, (line) => t.diagnostic(line));
  });

  it('never answers internal on PostgreSQL', async (t) => {
    const available = await testPostgresUrl();
    if ('skip' in available) {
      t.skip(available.skip);
      return;
    }
    const target = postgresTarget(available.url);
    cleanups.push(() => target.drop());
    await fuzz(target, (line) => t.diagnostic(line));
  });

  it('builds frames for every operation, about half of them valid', () => {
    const known: Known = {
      cid: ['c1'],
      callId: ['k1'],
      customerId: ['v1'],
      id: ['f1'],
      token: ['t'],
      resumeToken: ['r'],
    };
    const sample = fc.sample(commandDraft, { numRuns: 3_000, seed: 1 });
    assert.equal(new Set(sample.map((d) => d.op)).size, COMMAND_OPS.length);
    const valid = sample.filter((d) => parseClientFrame(toJson(d.frame, known)).ok).length / sample.length;
    assert.ok(valid > 0.3 && valid < 0.7, `${Math.round(valid * 100)}% valid`);
    const hellos = fc.sample(helloDraft, { numRuns: 1_000, seed: 1 });
    const validHellos =
      hellos.filter((d) => parseClientFrame(toJson(d.frame, known)).ok).length / hellos.length;
    assert.ok(validHellos > 0.3 && validHellos < 0.7, `${Math.round(validHellos * 100)}% valid hellos`);
  });
});
