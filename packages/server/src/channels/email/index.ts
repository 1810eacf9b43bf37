// The email channel (docs/email.md): IMAP mailboxes and an SMTP ingress in, SMTP out, into the hub's channels.
export { createEmailChannel, type EmailChannel, type EmailChannelOptions } from './email.channel';
export {
  checkEmailConfig,
  type EmailConfig,
  EmailConfigError,
  type EmailConfigInput,
  emailAddresses,
  emailConfigSchema,
  type MailboxConfig,
  type ResolvedMailbox,
  resolveMailboxes,
} from './email.config';
export type { EmailIntake, IntakeOutcome } from './email.intake';
export { type EmailOutboundMessage, EmailSendError } from './email.outbound';
export { createMemoryEmailStore, createSqlEmailStore, type EmailStore } from './email.store';
export type { EmailAddress, EmailKind, MailboxProblem, MailboxStatus, ParsedEmail } from './email.types';
