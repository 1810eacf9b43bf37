/** The demo mailbox's address: customers write to it; replies come from it. */
export const DEMO_SUPPORT_ADDRESS: string;
/** The customer `npm run demo:mail` and the mailbox page write as by default. */
export const DEMO_CUSTOMER_ADDRESS: string;

/** One reply the demo caught, as text (never the HTML part), with its threading headers. */
export interface CaughtMail {
  readonly id: number;
  /** When the catcher took it, epoch ms. */
  readonly receivedAt: number;
  /** The SMTP envelope's recipients: the customer. */
  readonly envelopeTo: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly replyTo: string;
  /** Where an answer goes: the Reply-To address (our mailbox with the thread's `+token`), else From. */
  readonly replyToAddress: string;
  readonly subject: string;
  readonly messageId: string;
  readonly inReplyTo: string;
  readonly references: readonly string[];
  readonly text: string;
}

/** The running catcher and page. */
export interface DemoMailbox {
  /** The port of the catcher's SMTP server (the mailbox's `smtp.port`). */
  readonly catcherPort: number;
  /** The mailbox page. */
  readonly url: string;
  /** The caught mails, newest first. */
  mails(): CaughtMail[];
  /** Resolves with the first caught mail that `match` accepts, waiting up to `timeoutMs` (default 10 s). */
  waitForMail(match: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

/** The demo server's `email` configuration section (a `ConfigInput['email']`). */
export function demoEmailConfig(options: {
  readonly ingressPort: number;
  readonly catcherPort: number;
  readonly queueId?: string;
}): {
  mailboxes: {
    id: string;
    address: string;
    name: string;
    queueId: string;
    smtp: { host: string; port: number; secure: boolean; allowPlaintext: boolean };
  }[];
  ingress: { host: string; port: number };
};

/** Sends one mail as a customer to the SMTP ingress on 127.0.0.1:`port`; resolves with its Message-ID. */
export function sendCustomerMail(options: {
  readonly port: number;
  readonly from?: string;
  readonly to?: string;
  readonly subject: string;
  readonly text: string;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
}): Promise<string>;

/** Starts the catcher and the mailbox page. */
export function startDemoMailbox(options: {
  readonly catcherPort?: number;
  readonly pagePort?: number;
  readonly ingressPort: number;
}): Promise<DemoMailbox>;
