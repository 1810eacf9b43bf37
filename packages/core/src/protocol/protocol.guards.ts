// The client's check of what a server sends: a few combinators that do what the valibot schemas of
// `protocol.schemas.ts` do, in a fraction of the bytes. `protocol.guards.generated.ts` is written from those schemas
// by `protocol.guards.codegen.ts`, and a test proves both accept, reject and output the same values; the server and
// the command schemas keep valibot.

/**
 * Checks one wire value against one schema: returns it as the schema outputs it (objects keep only the keys the
 * schema names, as valibot's `object` does), or throws the path (keys, indexes) of the first part that does not fit.
 */
export type FrameGuard<T = unknown> = ((value: unknown) => T) & { readonly optional?: true };

const misfit = (): never => {
  throw [];
};

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object';

/** Runs `guard` on a part of a value, prefixing the path of a misfit with `key`. */
function at(key: string | number, guard: FrameGuard, value: unknown): unknown {
  try {
    return guard(value);
  } catch (path) {
    throw [key, ...(path as unknown[])];
  }
}

/** A string of `min` to `max` UTF-16 units that matches `pattern` when one is given. */
export const str =
  (min = 0, max = Number.POSITIVE_INFINITY, pattern?: RegExp): FrameGuard<string> =>
  (value) =>
    typeof value === 'string' &&
    value.length >= min &&
    value.length <= max &&
    (!pattern || pattern.test(value))
      ? value
      : misfit();

/** A number from `min` to `max` (never NaN), and whole by `whole` (`Number.isInteger`, `Number.isSafeInteger`). */
export const num =
  (
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    whole?: (value: number) => boolean,
  ): FrameGuard<number> =>
  (value) =>
    typeof value === 'number' && value >= min && value <= max && (!whole || whole(value)) ? value : misfit();

/** One of the given values (valibot's `picklist` and `literal`). */
export const oneOf =
  (...options: readonly unknown[]): FrameGuard =>
  (value) =>
    options.includes(value) ? value : misfit();

export const bool: FrameGuard<boolean> = (value) => (typeof value === 'boolean' ? value : misfit());

export const anything: FrameGuard = (value) => value;

/** `undefined`, or what `guard` accepts; as an object's entry, the key may be absent. */
export const opt = (guard: FrameGuard): FrameGuard =>
  Object.assign((value: unknown) => (value === undefined ? value : guard(value)), {
    optional: true as const,
  });

/** An object with these entries; other keys are dropped. */
export const obj =
  (entries: Readonly<Record<string, FrameGuard>>): FrameGuard =>
  (value) => {
    if (!isObject(value)) misfit();
    const output: Record<string, unknown> = {};
    for (const key in entries) {
      const guard = entries[key] as FrameGuard;
      if (key in (value as object)) output[key] = at(key, guard, (value as Record<string, unknown>)[key]);
      else if (!guard.optional) throw [key];
    }
    return output;
  };

export const arr =
  (item: FrameGuard): FrameGuard =>
  (value) =>
    Array.isArray(value) ? Array.from(value, (element, index) => at(index, item, element)) : misfit();

/** An object whose every own key fits `key` and every value fits `item`. */
export const rec =
  (key: FrameGuard, item: FrameGuard): FrameGuard =>
  (value) => {
    if (!isObject(value)) misfit();
    const output: Record<string, unknown> = {};
    for (const name of Object.keys(value as object)) {
      at(name, key, name);
      output[name] = at(name, item, (value as Record<string, unknown>)[name]);
    }
    return output;
  };

/** An object of one of several shapes, told apart by the string at `key` (valibot's `variant`). */
export const variant =
  (key: string, shapes: Readonly<Record<string, FrameGuard>>): FrameGuard =>
  (value) => {
    const tag = isObject(value) ? value[key] : misfit();
    return typeof tag === 'string' && Object.hasOwn(shapes, tag)
      ? (shapes[tag] as FrameGuard)(value)
      : at(key, misfit, 0);
  };

/** Runs `guard` on `value`: the output, or the dotted path of the first misfit with what was found there. */
export function runGuard<T>(
  guard: FrameGuard<T>,
  value: unknown,
):
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly field: string; readonly found: string } {
  try {
    return { ok: true, value: guard(value) };
  } catch (path) {
    const keys = path as (string | number)[];
    const found = keys.reduce<unknown>((part, key) => (isObject(part) ? part[key] : undefined), value);
    return { ok: false, field: keys.join('.'), found: String(JSON.stringify(found)).slice(0, 40) };
  }
}
