import { directionOf, resolveShippedLocale, SHIPPED_LOCALES, type ShippedLocale } from '@helpline/core';

/** The languages the widget ships (core's shipped languages). */
export type WidgetLocale = ShippedLocale;

/** Every shipped language, English first (the fallback). */
export const WIDGET_LOCALES: readonly WidgetLocale[] = SHIPPED_LOCALES;

/**
 * Picks the shipped language for the first tag that has one (`zh-TW` → `zh-Hant`, `ar-EG` → `ar`), else
 * English. Pass the `lang` attribute, then the page's `<html lang>`, then `navigator.languages`.
 *
 * @example
 * ```ts
 * resolveLocale(['zh-HK', 'en']); // 'zh-Hant'
 * ```
 */
export const resolveLocale: (tags: readonly (string | null | undefined)[]) => WidgetLocale =
  resolveShippedLocale;

export { directionOf };
