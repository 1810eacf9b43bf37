/**
 * A text that depends on a number: one form per plural category the language's `Intl.PluralRules` can
 * select (`zero`, `one`, `two`, `few`, `many`, `other`; English uses `one` and `other`, Arabic all six,
 * Chinese only `other`). `other` is required because every language has it.
 */
export type PluralMessage = Readonly<Partial<Record<Intl.LDMLPluralRule, string>>> & {
  readonly other: string;
};

/** One entry of a message catalog: plain text, or a {@link PluralMessage} chosen by the `count` parameter. */
export type Message = string | PluralMessage;

/** Values for a message's `{placeholders}`; numbers are written in the language's digits. */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * Fills a catalog message: a plural message first picks its form for `params.count` with `plurals`, then
 * every `{name}` is replaced from `params` (numbers through `numbers`). Unknown placeholders stay visible.
 *
 * @example
 * ```ts
 * const plurals = new Intl.PluralRules('en');
 * const numbers = new Intl.NumberFormat('en');
 * formatMessage({ one: '{count} character left', other: '{count} characters left' }, { count: 1 }, plurals, numbers);
 * // '1 character left'
 * ```
 */
export function formatMessage(
  message: Message,
  params: MessageParams,
  plurals: Pick<Intl.PluralRules, 'select'>,
  numbers: Pick<Intl.NumberFormat, 'format'>,
): string {
  const count = params.count;
  const template =
    typeof message === 'string'
      ? message
      : ((typeof count === 'number' ? message[plurals.select(count)] : undefined) ?? message.other);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : typeof value === 'number' ? numbers.format(value) : value;
  });
}

/**
 * The text for `locale` from texts per language tag: the exact tag, then its base language (`nl-BE` → `nl`),
 * then English, then the first given; a plain string is the same in every language.
 *
 * @example
 * ```ts
 * localizedText({ en: 'Billing', nl: 'Facturatie' }, 'nl-BE'); // 'Facturatie'
 * ```
 */
export function localizedText(
  text: string | Readonly<Record<string, string>>,
  locale: string | undefined,
): string {
  if (typeof text === 'string') return text;
  const tag = locale ?? 'en';
  return text[tag] ?? text[tag.split('-')[0] ?? tag] ?? text.en ?? Object.values(text)[0] ?? '';
}
