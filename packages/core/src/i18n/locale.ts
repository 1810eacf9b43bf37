/** The languages Helpline's UI ships: the widget, the agent console and the supervisor board alike. */
export type ShippedLocale = 'en' | 'nl' | 'zh-Hant' | 'zh-Hans' | 'ar';

/** Every shipped language, English first (the fallback). */
export const SHIPPED_LOCALES: readonly ShippedLocale[] = ['en', 'nl', 'zh-Hant', 'zh-Hans', 'ar'];

const TRADITIONAL_REGIONS = /-(tw|hk|mo)\b/;

/**
 * The shipped language for the first of `tags` that has one (`zh-TW` → `zh-Hant`, `ar-EG` → `ar`, `nl-BE` → `nl`),
 * else English.
 *
 * @example
 * ```ts
 * resolveShippedLocale(['zh-HK', 'en']); // 'zh-Hant'
 * ```
 */
export function resolveShippedLocale(tags: readonly (string | null | undefined)[]): ShippedLocale {
  for (const tag of tags) {
    const lower = tag?.toLowerCase() ?? '';
    const base = lower.split(/[-_]/)[0];
    if (base === 'zh')
      return lower.includes('hant') || TRADITIONAL_REGIONS.test(lower) ? 'zh-Hant' : 'zh-Hans';
    if (base === 'en' || base === 'nl' || base === 'ar') return base;
  }
  return 'en';
}

/** Writing direction of a shipped language. */
export function directionOf(locale: ShippedLocale): 'ltr' | 'rtl' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}
