export { formatMessage, type Message, type MessageParams, type PluralMessage } from './message';
