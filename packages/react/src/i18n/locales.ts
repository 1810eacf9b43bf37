import {
  directionOf,
  localizedText,
  type Queue,
  resolveShippedLocale,
  SHIPPED_LOCALES,
  type ShippedLocale,
} from '@helpline/core';
import { type Catalog, consoleMessages } from './en';

/** The languages the console and the supervisor board ship (the widget's five: core's shipped languages). */
export type ConsoleLocale = ShippedLocale;

/** Every shipped language, English first (the fallback). */
export const CONSOLE_LOCALES: readonly ConsoleLocale[] = SHIPPED_LOCALES;

/**
 * The shipped language for a BCP 47 tag (`zh-TW` → `zh-Hant`, `ar-EG` → `ar`, `nl-BE` → `nl`), else English.
 *
 * @example
 * ```ts
 * resolveConsoleLocale('zh-HK'); // 'zh-Hant'
 * ```
 */
export function resolveConsoleLocale(tag: string | undefined): ConsoleLocale {
  return resolveShippedLocale([tag]);
}

/** Writing direction of a shipped language. */
export const consoleDirection: (locale: ConsoleLocale) => 'ltr' | 'rtl' = directionOf;

/**
 * Loads the console catalog of a shipped language. English is part of the bundle; every other language is
 * its own chunk, fetched only by apps that use it. `<HelplineProvider locale="nl">` calls this for you.
 *
 * @example
 * ```ts
 * const nl = await loadConsoleMessages('nl');
 * createTranslator('nl', {}, nl).t('accept'); // 'Aannemen'
 * ```
 */
export async function loadConsoleMessages(locale: ConsoleLocale): Promise<Catalog> {
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
      return consoleMessages;
  }
}

/**
 * Queues with names and disposition labels in the viewer's language, from the server's translations
 * (`names`, `labels`): the exact tag, then the base language, then English. Untranslated queues stay as
 * they are (the same objects).
 * @internal
 */
export function localizeQueues(queues: readonly Queue[], locale: string | undefined): readonly Queue[] {
  const translated = (queue: Queue) => queue.names || queue.dispositions.some((d) => d.labels);
  if (!queues.some(translated)) return queues;
  return queues.map((queue) =>
    translated(queue)
      ? {
          ...queue,
          ...(queue.names ? { name: localizedText(queue.names, locale) } : {}),
          dispositions: queue.dispositions.map((d) =>
            d.labels ? { ...d, label: localizedText(d.labels, locale) } : d,
          ),
        }
      : queue,
  );
}
