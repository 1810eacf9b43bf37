export {
  formatMessage,
  localizedText,
  type Message,
  type MessageParams,
  type PluralMessage,
} from './message';
