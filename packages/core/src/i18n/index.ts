export { directionOf, resolveShippedLocale, SHIPPED_LOCALES, type ShippedLocale } from './locale';
export {
  formatMessage,
  localizedText,
  type Message,
  type MessageParams,
  type PluralMessage,
} from './message';
