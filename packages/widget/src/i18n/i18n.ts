import { formatMessage } from '@helpline/core';
import { type Catalog, en, type MessageKey, type PartialCatalog } from './en';
import type { WidgetLocale } from './locale';

export type { Catalog, MessageKey, PartialCatalog } from './en';
export { directionOf, resolveLocale, WIDGET_LOCALES, type WidgetLocale } from './locale';

/** Per-site text overrides: a partial catalog per language tag (`en`, `nl`, `zh-Hant`…). */
export type SiteMessages = Readonly<Partial<Record<string, PartialCatalog>>>;

/** Loads the catalog of a shipped language. English is always present; the others are separate chunks. */
export async function loadCatalog(locale: WidgetLocale): Promise<Catalog> {
  switch (locale) {
    case 'nl':
      return (await import('./nl')).nl;
    case 'zh-Hant':
      return (await import('./zh-Hant')).zhHant;
    case 'zh-Hans':
      return (await import('./zh-Hans')).zhHans;
    case 'ar':
      return (await import('./ar')).ar;
    default:
      return en;
  }
}

/** Strings and `Intl` formatting for one language. */
export interface Translator {
  readonly locale: WidgetLocale;
  readonly dir: 'ltr' | 'rtl';
  /** The text for `key` with `{placeholders}` filled from `params`; plural messages pick their form by `count`. */
  t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string;
  /** A wait in seconds as words: "3 minutes", "3 分钟". */
  formatWait(seconds: number): string;
  /** Date and time in the visitor's time zone (or `timeZone`). */
  formatDateTime(epochMs: number, timeZone?: string): string;
  /** Time of day in the visitor's time zone (or `timeZone`). */
  formatTime(epochMs: number, timeZone?: string): string;
  /** A number in the language's digits. */
  formatNumber(value: number): string;
}

/** Languages written with Latin digits in every engine's data (CLDR), where 0–999 read as `String()` writes them. */
const LATIN_DIGITS: ReadonlySet<WidgetLocale> = new Set(['en', 'nl', 'zh-Hant', 'zh-Hans']);

/**
 * Builds a translator over `catalog` with per-site `overrides` on top (missing keys fall back to English).
 *
 * @example
 * ```ts
 * const i18n = createTranslator('nl', await loadCatalog('nl'), { startChat: 'Vraag het ons' });
 * i18n.t('queuePosition', { position: 3 }); // 'Je bent nummer 3 in de rij.'
 * ```
 */
export function createTranslator(
  locale: WidgetLocale,
  catalog: Catalog,
  overrides: PartialCatalog = {},
  dir: 'ltr' | 'rtl' = locale === 'ar' ? 'rtl' : 'ltr',
): Translator {
  // The first Intl.NumberFormat of a page loads ICU's number data: 40–70 ms at 4× CPU slowdown, the longest part
  // of opening the panel. Small counts (positions, minutes, characters left) need none of it where the digits are
  // Latin; anything else builds the formatter on first use.
  let numberFormat: Intl.NumberFormat | undefined;
  let pluralRules: Intl.PluralRules | undefined;
  const numbers = {
    format(value: number): string {
      if (LATIN_DIGITS.has(locale) && Number.isInteger(value) && value >= 0 && value < 1000)
        return String(value);
      numberFormat ??= new Intl.NumberFormat(locale);
      return numberFormat.format(value);
    },
  };
  const plurals = {
    select(count: number): Intl.LDMLPluralRule {
      pluralRules ??= new Intl.PluralRules(locale);
      return pluralRules.select(count);
    },
  };
  const timeFormats = new Map<string, Intl.DateTimeFormat>();
  return {
    locale,
    dir,
    t(key, params = {}) {
      return formatMessage(overrides[key] ?? catalog[key] ?? en[key], params, plurals, numbers);
    },
    formatWait(seconds) {
      const minutes = Math.max(1, Math.round(seconds / 60));
      return new Intl.NumberFormat(locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(
        minutes,
      );
    },
    formatDateTime(epochMs, timeZone) {
      return new Intl.DateTimeFormat(locale, {
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        hour: 'numeric',
        minute: '2-digit',
        ...(timeZone ? { timeZone } : {}),
      }).format(epochMs);
    },
    formatTime(epochMs, timeZone) {
      // Called for every message on every render: one formatter per time zone, built once.
      const key = timeZone ?? '';
      let formatter = timeFormats.get(key);
      if (!formatter) {
        formatter = new Intl.DateTimeFormat(locale, {
          hour: 'numeric',
          minute: '2-digit',
          ...(timeZone ? { timeZone } : {}),
        });
        timeFormats.set(key, formatter);
      }
      return formatter.format(epochMs);
    },
    formatNumber(value) {
      return numbers.format(value);
    },
  };
}

/** The overrides a site set for `locale`: exact tag first, then the base language. */
export function siteOverrides(messages: SiteMessages | undefined, locale: WidgetLocale): PartialCatalog {
  if (!messages) return {};
  const base = locale.split('-')[0] ?? locale;
  return { ...messages[base], ...messages[locale] };
}
