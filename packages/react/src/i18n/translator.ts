'use client';
import { isHelplineError } from '@helpline/core';
import { useMemo } from 'react';
import { useMaybeHelpline } from '../context/HelplineContext';
import { consoleMessages, type MessageKey, type PartialCatalog } from './en';

/** Strings and `Intl` formatting for one language. */
export interface Translator {
  readonly locale: string;
  /** The text for `key` with `{placeholders}` filled from `params` (numbers formatted for the locale). */
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
 * Builds a translator over the English catalog with `overrides` on top.
 *
 * @example
 * ```ts
 * const i18n = createTranslator('nl', { accept: 'Aannemen' });
 * i18n.t('accept'); // 'Aannemen'
 * ```
 */
export function createTranslator(locale = 'en', overrides: PartialCatalog = {}): Translator {
  const numbers = new Intl.NumberFormat(locale);
  const t: Translator['t'] = (key, params = {}) =>
    (overrides[key] ?? consoleMessages[key]).replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = params[name];
      return value === undefined ? whole : typeof value === 'number' ? numbers.format(value) : value;
    });
  // Formatters are costly to build and called for every message on every render: build them once.
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const time = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    locale,
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

/**
 * The translator for the provider's `locale` and `messages` (English without a provider).
 *
 * @example
 * ```tsx
 * const { t } = useTranslator();
 * <button>{t('accept')}</button>
 * ```
 */
export function useTranslator(): Translator {
  const context = useMaybeHelpline();
  return useMemo(
    () => createTranslator(context?.locale, context?.messages),
    [context?.locale, context?.messages],
  );
}
