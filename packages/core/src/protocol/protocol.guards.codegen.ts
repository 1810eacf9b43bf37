// Writes `protocol.guards.generated.ts` from the valibot schemas, so the client's guards have one source of truth:
//   node --import tsx packages/core/src/protocol/protocol.guards.codegen.ts
// `protocol.guards.test.ts` fails while the generated file is stale, and proves guards and schemas agree.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import * as primitives from './protocol.primitives';
import * as results from './protocol.results';
import * as schemas from './protocol.schemas';

/** The parts of a valibot schema the generator reads (valibot keeps them public for introspection). */
interface SchemaNode {
  readonly type: string;
  readonly kind?: string;
  readonly pipe?: readonly SchemaNode[];
  readonly requirement?: unknown;
  readonly entries?: Record<string, SchemaNode>;
  readonly wrapped?: SchemaNode;
  readonly default?: unknown;
  readonly item?: SchemaNode;
  readonly key?: SchemaNode | string;
  readonly value?: SchemaNode;
  readonly options?: readonly (SchemaNode | string | number)[];
  readonly literal?: unknown;
}

const GENERATED_FILE = fileURLToPath(new URL('./protocol.guards.generated.ts', import.meta.url));
const STAFF_FILE = fileURLToPath(new URL('./protocol.guards.staff.generated.ts', import.meta.url));

/** Names for schemas the source names, so the generated file reads like the schemas. */
function knownNames(): Map<SchemaNode, string> {
  const names = new Map<SchemaNode, string>();
  for (const module of [primitives, schemas, results])
    for (const [name, value] of Object.entries(module))
      if (isSchema(value)) names.set(value, name.replace(/Schema$/, ''));
  // A visitor's part keeps its schema's name; the part staff check instead is named for them.
  for (const [part, visitor] of visitorParts) {
    const name = names.get(part);
    if (name === undefined) continue;
    names.set(visitor, name);
    names.set(part, `staff ${name}`);
  }
  return names;
}

function isSchema(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'schema';
}

function children(node: SchemaNode): SchemaNode[] {
  switch (node.type) {
    case 'object':
      return Object.values(node.entries ?? {});
    case 'optional':
      return node.wrapped ? [node.wrapped] : [];
    case 'array':
      return node.item ? [node.item] : [];
    case 'record':
      return [node.key as SchemaNode, node.value as SchemaNode];
    case 'variant':
      return (node.options ?? []) as SchemaNode[];
    default:
      return [];
  }
}

type GuardRoots = Readonly<Record<string, v.GenericSchema | Record<string, v.GenericSchema>>>;

/** One generated module: the guards it exports under their keys, with a doc comment each. */
export interface GuardModule {
  readonly roots: GuardRoots;
  readonly docs?: Readonly<Record<string, string>>;
}

/**
 * The sources of guard modules, one per entry of `modules`. A guard used more than once is declared once, in the
 * first module that uses it, and exported for the later modules to import: a bundle that imports only the first
 * module then carries none of the others' guards, whatever its bundler knows about side effects.
 */
export function generateGuards(modules: readonly GuardModule[]): string[] {
  const names = knownNames();
  const uses = new Map<SchemaNode, number>();
  const count = (node: SchemaNode, place: string): void => {
    uses.set(node, (uses.get(node) ?? 0) + 1);
    if (uses.get(node) !== 1) return;
    if (!names.has(node)) names.set(node, node.type === 'literal' ? `${String(node.literal)} tag` : place);
    const visitor = visitorParts.get(node);
    if (visitor && uses.has(visitor)) {
      // The staff's version of a visitor's part: what the two share was counted with the visitor's.
      const shared = children(visitor);
      for (const [key, entry] of Object.entries(node.entries ?? {}))
        if (!shared.includes(entry)) count(entry, key);
      if (node.type !== 'object')
        for (const child of children(node)) if (!shared.includes(child)) count(child, `${place}Item`);
    } else if (node.type === 'object')
      for (const [key, entry] of Object.entries(node.entries ?? {})) count(entry, key);
    else if (node.type === 'variant')
      for (const option of children(node))
        count(option, `${String(option.entries?.[node.key as string]?.literal)} ${place}`);
    else for (const child of children(node)) count(child, node.type === 'optional' ? place : `${place}Item`);
  };
  const allRoots = modules.flatMap((module) => Object.values(module.roots));
  const rootNodes: SchemaNode[] = allRoots.flatMap((root) => (isSchema(root) ? [root] : []));
  for (const root of allRoots)
    for (const [key, node] of isSchema(root) ? [['frame', root] as const] : Object.entries(root))
      count(node as unknown as SchemaNode, key);

  // Schemas used more than once become constants, declared before their first use.
  const declared = new Map<SchemaNode, { readonly name: string; readonly module: number }>();
  let current = 0;
  let declarations: string[] = [];
  /** Per module, the constants it takes from an earlier module. */
  const imports = modules.map(() => new Set<string>());
  // A schema named after a reserved word (`case`, a field of two notices) takes a trailing `_` like a taken name.
  const taken = new Set<string>(['case', 'default', 'delete', 'function', 'new', 'switch', 'this', 'var']);
  const nameOf = (node: SchemaNode): string => {
    let name = (names.get(node) ?? 'shared').replace(/\W+(\w)/g, (_, letter: string) => letter.toUpperCase());
    while (taken.has(name)) name = `${name}_`;
    taken.add(name);
    return name;
  };
  const expression = (node: SchemaNode): string => {
    const known = declared.get(node);
    if (known) {
      if (known.module !== current) imports[current]?.add(known.name);
      return known.name;
    }
    const source = build(node);
    if ((uses.get(node) ?? 0) < 2 || rootNodes.includes(node)) return source;
    const name = nameOf(node);
    // Exported only from a module that others import from: its constants may be theirs too.
    declarations.push(`${modules.length > 1 && current === 0 ? 'export ' : ''}const ${name} = ${source};`);
    declared.set(node, { name, module: current });
    return name;
  };
  const build = (node: SchemaNode): string => {
    const [base, ...piped] = node.pipe ?? [node];
    if (!base) throw new Error('empty pipe');
    // `v.readonly()` only types the output as read-only: there is nothing to check.
    const actions = piped.filter((action) => action.type !== 'readonly');
    switch (base.type) {
      case 'string':
        return stringGuard(actions);
      case 'number':
        return numberGuard(actions);
      case 'boolean':
        return withoutActions(actions, 'bool');
      case 'unknown':
        return withoutActions(actions, 'anything');
      case 'picklist':
        return withoutActions(
          actions,
          `oneOf(${(base.options ?? []).map((o) => JSON.stringify(o)).join(', ')})`,
        );
      case 'literal':
        return withoutActions(actions, `oneOf(${JSON.stringify(base.literal)})`);
      case 'optional':
        if (base.default !== undefined)
          throw new Error('optional with a default: not supported by the guards');
        return withoutActions(actions, `opt(${expression(base.wrapped as SchemaNode)})`);
      case 'array':
        return withoutActions(actions, `arr(${expression(base.item as SchemaNode)})`);
      case 'record':
        return withoutActions(
          actions,
          `rec(${expression(base.key as SchemaNode)}, ${expression(base.value as SchemaNode)})`,
        );
      case 'object': {
        const entries = Object.entries(base.entries ?? {}).map(
          ([key, entry]) => `${propertyName(key)}: ${expression(entry)}`,
        );
        return withoutActions(actions, entries.length ? `obj({ ${entries.join(', ')} })` : 'obj({})');
      }
      case 'variant': {
        const key = base.key as string;
        const shapes = (base.options ?? []).map((option) => {
          const shape = option as SchemaNode;
          const tag = shape.entries?.[key];
          if (shape.type !== 'object' || tag?.type !== 'literal' || typeof tag.literal !== 'string')
            throw new Error(`variant on ${key}: every option must be an object with a string literal ${key}`);
          return `${propertyName(tag.literal)}: ${expression(shape)}`;
        });
        return withoutActions(actions, `variant(${JSON.stringify(key)}, { ${shapes.join(', ')} })`);
      }
      default:
        throw new Error(`schema type ${base.type}: not supported by the guards`);
    }
  };

  return modules.map(({ roots, docs = {} }, index) => {
    current = index;
    declarations = [];
    const exports = Object.entries(roots).map(([name, root]) => {
      const doc = docs[name] ? `/** ${docs[name]} */\n` : '';
      return doc + exported(name, root);
    });
    const shared = [...(imports[index] ?? [])].sort(byName);
    const body = [...declarations, ...exports].join('\n');
    const combinators = [
      'anything',
      'arr',
      'bool',
      'num',
      'obj',
      'oneOf',
      'opt',
      'rec',
      'str',
      'variant',
    ].filter((combinator) => new RegExp(`\\b${combinator}\\b`).test(body));
    return [
      '// Generated by protocol.guards.codegen.ts from the valibot schemas; do not edit.',
      '// node --import tsx packages/core/src/protocol/protocol.guards.codegen.ts',
      `import { ${[...combinators, 'type FrameGuard'].sort(byName).join(', ')} } from './protocol.guards';`,
      ...(shared.length ? [`import { ${shared.join(', ')} } from './protocol.guards.generated';`] : []),
      '',
      ...declarations,
      '',
      ...exports,
      '',
    ].join('\n');
  });
  function exported(name: string, root: v.GenericSchema | Record<string, v.GenericSchema>): string {
    if (isSchema(root)) return `export const ${name}: FrameGuard = ${expression(root)};`;
    const entries = Object.entries(root).map(
      ([key, schema]) => `  ${propertyName(key)}: ${expression(schema as unknown as SchemaNode)},`,
    );
    return `export const ${name} = {\n${entries.join('\n')}\n};`;
  }
}

/** `source` as Biome formats it, so the generated file passes the lint as it is written. */
function formatted(source: string, path: string): string {
  const biome = fileURLToPath(new URL('../../../../node_modules/.bin/biome', import.meta.url));
  const result = spawnSync(biome, ['format', `--stdin-file-path=${path}`], {
    input: source,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr}`);
  return result.stdout;
}

/** Import order as Biome sorts it: by name, whatever the case, `type` aside. */
function byName(a: string, b: string): number {
  const name = (specifier: string) => specifier.replace(/^type /, '').toLowerCase();
  return name(a) < name(b) ? -1 : 1;
}

function withoutActions(actions: readonly SchemaNode[], source: string): string {
  if (actions.length > 0) throw new Error(`${actions[0]?.type}: not supported by the guards here`);
  return source;
}

function stringGuard(actions: readonly SchemaNode[]): string {
  let min = 0;
  let max: number | undefined;
  let pattern: RegExp | undefined;
  for (const action of actions) {
    if (action.type === 'min_length') min = Math.max(min, action.requirement as number);
    else if (action.type === 'max_length')
      max = Math.min(max ?? Number.POSITIVE_INFINITY, action.requirement as number);
    else if (action.type === 'regex' && !pattern) pattern = action.requirement as RegExp;
    else throw new Error(`string ${action.type}: not supported by the guards`);
  }
  const unbounded = max === undefined && !pattern;
  return `str(${trimArguments([min === 0 && unbounded ? undefined : String(min), max === undefined ? undefined : String(max), pattern?.toString()])})`;
}

function numberGuard(actions: readonly SchemaNode[]): string {
  let min: number | undefined;
  let max: number | undefined;
  let whole: string | undefined;
  for (const action of actions) {
    if (action.type === 'min_value')
      min = Math.max(min ?? Number.NEGATIVE_INFINITY, action.requirement as number);
    else if (action.type === 'max_value')
      max = Math.min(max ?? Number.POSITIVE_INFINITY, action.requirement as number);
    else if (action.type === 'integer') whole ??= 'Number.isInteger';
    else if (action.type === 'safe_integer') whole = 'Number.isSafeInteger';
    else throw new Error(`number ${action.type}: not supported by the guards`);
  }
  return `num(${trimArguments([min === undefined ? undefined : String(min), max === undefined ? undefined : String(max), whole])})`;
}

/** `a, b, c` without trailing absent arguments; absent ones before a present one are `undefined`. */
function trimArguments(values: readonly (string | undefined)[]): string {
  const last = values.findLastIndex((value) => value !== undefined);
  const kept = values.slice(0, last + 1).map((value) => value ?? 'undefined');
  return kept.join(', ');
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Notices the server sends only to agents and supervisors. */
const STAFF_NOTICES: readonly string[] = [
  'supervision',
  'supervision.signal',
  'supervision.note',
  'offer',
  'offer.revoked',
  'transfer.result',
  'presence',
  'board',
  'consult',
  'consult.signal',
  'escalation',
  'case.sla',
  'case.task',
];

/**
 * Fields of an interaction only staff read: a conversation is snoozed by an agent, and a visitor's web chat never is.
 * A visitor's guards leave them out (they drop a field they do not name), so its bundle does not carry their checks.
 */
const STAFF_INTERACTION_FIELDS = ['snoozedUntil'] as const;

/** `interactionSchema` as a visitor reads it: without the staff-only fields. */
export const visitorInteractionSchema = v.omit(schemas.interactionSchema, STAFF_INTERACTION_FIELDS);

/** The parts of the schemas a visitor reads differently, each with the visitor's version. */
const visitorParts = new Map<SchemaNode, SchemaNode>();

/**
 * `schema` with `interactionSchema` replaced by `visitorInteractionSchema` wherever it occurs. A part without it is
 * kept as it is (so the staff guards share its constant), and a part is rebuilt once (so it stays one constant).
 */
function forVisitor<T extends v.GenericSchema>(schema: T): T {
  return visitorPart(schema as unknown as SchemaNode) as unknown as T;
}

function visitorPart(node: SchemaNode): SchemaNode {
  if (node === (schemas.interactionSchema as unknown as SchemaNode)) {
    visitorParts.set(node, visitorInteractionSchema as unknown as SchemaNode);
    return visitorInteractionSchema as unknown as SchemaNode;
  }
  const known = visitorParts.get(node);
  if (known) return known;
  const parts = children(node);
  const replaced = parts.map(visitorPart);
  if (replaced.every((part, index) => part === parts[index])) return node;
  if (node.pipe) throw new Error(`${node.type} with a pipe around an interaction: not supported here`);
  const schema = (part: SchemaNode | undefined) => part as unknown as v.GenericSchema;
  let rebuilt: unknown;
  switch (node.type) {
    case 'object':
      rebuilt = v.object(
        Object.fromEntries(
          Object.keys(node.entries ?? {}).map((key, index) => [key, schema(replaced[index])]),
        ),
      );
      break;
    case 'optional':
      rebuilt = v.optional(schema(replaced[0]));
      break;
    case 'array':
      rebuilt = v.array(schema(replaced[0]));
      break;
    case 'record':
      rebuilt = v.record(replaced[0] as unknown as v.GenericSchema<string, string>, schema(replaced[1]));
      break;
    case 'variant':
      rebuilt = v.variant(node.key as string, replaced as unknown as v.VariantOptions<string>);
      break;
    default:
      throw new Error(`${node.type} around an interaction: not supported here`);
  }
  visitorParts.set(node, rebuilt as SchemaNode);
  return rebuilt as SchemaNode;
}

/**
 * `serverFrameSchema` without the notices meant for staff and the interaction as a visitor reads it: what a visitor's
 * connection accepts, so a visitor's bundle does not carry their guards. Such a notice reaching a visitor is dropped
 * as a frame it cannot read.
 */
export const visitorServerFrameSchema = forVisitor(
  v.variant(
    't',
    schemas.serverFrameSchema.options.map((frame) =>
      frame.entries.t.literal === 'notice'
        ? v.object({
            ...frame.entries,
            notice: v.variant(
              'type',
              schemas.noticeSchema.options.filter(
                (notice) => !STAFF_NOTICES.includes(notice.entries.type.literal),
              ),
            ),
          })
        : frame,
    ) as unknown as typeof schemas.serverFrameSchema.options,
  ),
);

/** `visitorResultSchemas` with the interaction as a visitor reads it: what its result guards check. */
export const visitorResultSchemasAsRead = Object.fromEntries(
  Object.entries(results.visitorResultSchemas).map(([op, schema]) => [op, forVisitor(schema)]),
) as typeof results.visitorResultSchemas;

/**
 * The guards the clients use: a visitor's frames and the results of a visitor's commands (`GENERATED_FILE`), then
 * every server frame, as staff check them (`STAFF_FILE`, which imports what the two share).
 */
export function generatedGuardsSources(): { readonly visitor: string; readonly staff: string } {
  const [visitor = '', staff = ''] = generateGuards([
    {
      roots: {
        visitorFrameGuard: visitorServerFrameSchema,
        visitorResultGuards: visitorResultSchemasAsRead,
      },
      docs: {
        visitorFrameGuard:
          'The frames a server sends a visitor (`serverFrameSchema` without the staff notices: offers, presence, ' +
          'transfer results, the board), as a visitor checks them.',
        visitorResultGuards:
          'The `ack` results of the commands a visitor sends (`visitorResultSchemas`) as guards: what a visitor ' +
          'session passes to `createConnection`, a few KB smaller than the schemas.',
      },
    },
    {
      roots: { serverFrameGuard: schemas.serverFrameSchema },
      docs: {
        serverFrameGuard:
          'Every frame a server may send (`serverFrameSchema`), as an agent or supervisor checks it.',
      },
    },
  ]);
  return { visitor: formatted(visitor, GENERATED_FILE), staff: formatted(staff, STAFF_FILE) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { visitor, staff } = generatedGuardsSources();
  writeFileSync(GENERATED_FILE, visitor);
  writeFileSync(STAFF_FILE, staff);
  console.log(`wrote ${GENERATED_FILE} and ${STAFF_FILE}`);
}
