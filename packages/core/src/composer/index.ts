// Limits a messaging composer shows while the agent types: SMS segments (GSM-7 or UCS-2), per-channel lengths and
// WhatsApp's 24-hour customer-care window.
export {
  type ComposerLimits,
  composerLimits,
  type LimitedChannel,
  type SmsSegments,
  smsSegments,
  TEXT_MAX,
  textTooLong,
  WHATSAPP_WINDOW_MS,
  type WindowState,
  whatsappWindow,
} from './composer.limits';
