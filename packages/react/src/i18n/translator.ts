'use client';
import { formatMessage, isHelplineError } from '@helpline/core';
import { useEffect, useMemo, useState } from 'react';
import { useMaybeHelpline } from '../context/HelplineContext';
import { type Catalog, consoleMessages, type MessageKey, type PartialCatalog } from './en';
import { type ConsoleLocale, consoleDirection, loadConsoleMessages, resolveConsoleLocale } from './locales';

/** Strings and `Intl` formatting for one language. */
export interface Translator {
  readonly locale: string;
  /** Writing direction of the language: `rtl` for Arabic. Set it as `dir` on a root element. */
  readonly dir: 'ltr' | 'rtl';
  /**
   * The text for `key` with `{placeholders}` filled from `params` (numbers formatted for the locale); a
   * plural message picks its form for `params.count` by the language's `Intl.PluralRules`.
   */
  t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string;
  /** A user-facing text for an error: the catalog's text for its code, else its message. */
  error(error: unknown): string;
  /** `m:ss`, or `h:mm:ss` from an hour on. Negative durations count as zero. */
  duration(seconds: number): string;
  /** A ratio 0–1 as a percentage. */
  percent(ratio: number): string;
  number(value: number, fractionDigits?: number): string;
  /** Time of day. */
  time(epochMs: number): string;
  /** Date and time. */
  dateTime(epochMs: number): string;
}

/**
 * Builds a translator for `locale` over `catalog` (English unless given; see {@link loadConsoleMessages})
 * with `overrides` on top. Keys missing from both fall back to English.
 *
 * @example
 * ```ts
 * const i18n = createTranslator('nl', { accept: 'Aannemen' });
 * i18n.t('accept'); // 'Aannemen'
 * ```
 */
export function createTranslator(
  locale = 'en',
  overrides: PartialCatalog = {},
  catalog: Catalog = consoleMessages,
): Translator {
  const numbers = new Intl.NumberFormat(locale);
  const plurals = new Intl.PluralRules(locale);
  const t: Translator['t'] = (key, params = {}) =>
    formatMessage(overrides[key] ?? catalog[key] ?? consoleMessages[key], params, plurals, numbers);
  // Formatters are costly to build and called for every message on every render: build them once.
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    locale,
    dir: consoleDirection(resolveConsoleLocale(locale)),
    t,
    error(error) {
      const key = isHelplineError(error) ? (`error.${error.code}` as MessageKey) : undefined;
      if (key && key in consoleMessages) return t(key);
      return error instanceof Error && error.message ? error.message : t('errorGeneric');
    },
    duration(seconds) {
      const total = Math.max(0, Math.floor(seconds));
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = String(total % 60).padStart(2, '0');
      return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
    },
    percent: (ratio) => percent.format(ratio),
    number: (value, fractionDigits = 0) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: fractionDigits }).format(value),
    time: (epochMs) => time.format(epochMs),
    dateTime: (epochMs) => dateTime.format(epochMs),
  };
}

// Catalogs already loaded: a console that mounts again (or a second component) renders its language at once.
const loadedCatalogs = new Map<ConsoleLocale, Catalog>([['en', consoleMessages]]);

/** The shipped catalog for `locale`: English until the language's chunk has loaded, then that language. */
function useCatalog(locale: string | undefined): Catalog {
  const shipped = resolveConsoleLocale(locale);
  const catalog = loadedCatalogs.get(shipped);
  const [, setLoaded] = useState<Catalog>();
  useEffect(() => {
    if (catalog) return;
    let current = true;
    void loadConsoleMessages(shipped).then((loaded) => {
      loadedCatalogs.set(shipped, loaded);
      if (current) setLoaded(loaded);
    });
    return () => {
      current = false;
    };
  }, [shipped, catalog]);
  return catalog ?? consoleMessages;
}

/**
 * The translator for the provider's `locale` and `messages` (English without a provider). The texts of a
 * shipped language (`en`, `nl`, `zh-Hant`, `zh-Hans`, `ar`) load on first use; until then English shows.
 *
 * @example
 * ```tsx
 * const { t } = useTranslator();
 * <button>{t('accept')}</button>
 * ```
 */
export function useTranslator(): Translator {
  const context = useMaybeHelpline();
  const catalog = useCatalog(context?.locale);
  return useMemo(
    () => createTranslator(context?.locale, context?.messages, catalog),
    [context?.locale, context?.messages, catalog],
  );
}
