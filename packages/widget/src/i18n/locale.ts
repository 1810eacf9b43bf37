/** The languages the widget ships. */
export type WidgetLocale = 'en' | 'nl' | 'zh-Hant' | 'zh-Hans' | 'ar';

/** Every shipped language, English first (the fallback). */
export const WIDGET_LOCALES: readonly WidgetLocale[] = ['en', 'nl', 'zh-Hant', 'zh-Hans', 'ar'];

const TRADITIONAL_REGIONS = /-(tw|hk|mo)\b/;

/**
 * Picks the shipped language for the first tag that has one (`zh-TW` → `zh-Hant`, `ar-EG` → `ar`), else
 * English. Pass the `lang` attribute, then the page's `<html lang>`, then `navigator.languages`.
 *
 * @example
 * ```ts
 * resolveLocale(['zh-HK', 'en']); // 'zh-Hant'
 * ```
 */
export function resolveLocale(tags: readonly (string | null | undefined)[]): WidgetLocale {
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
export function directionOf(locale: WidgetLocale): 'ltr' | 'rtl' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}
