// An SMTP server of our own for mail forwarded to Helpline (a provider's forwarding rule, or a relay such as
// Postfix handing mail for support@… to us). It takes mail only for the configured mailboxes (and their +token
// addresses), and answers 250 only after the mail was taken in: a refusal or a failure answers 451, so the sending
// server keeps the mail and tries again — nothing accepted is lost.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Options of {@link startEmailIngress}. */
export interface EmailIngressOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly maxMessageBytes: number;
  /** The mailbox a recipient belongs to (its address or a +token form of it), or undefined to refuse it. */
  readonly mailboxOf: (recipient: string) => string | undefined;
  /** Takes one raw mail in for `mailboxId`; a rejection answers 451 (the sender retries). */
  readonly takeIn: (mailboxId: string, source: Buffer) => Promise<void>;
}

/** The running ingress. */
export interface EmailIngress {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the SMTP ingress; resolves once it listens. */
export async function startEmailIngress(options: EmailIngressOptions): Promise<EmailIngress> {
  const server = new SMTPServer({
    // Behind a relay on this machine: no login, no TLS of its own (the relay does both, and the spam checks).
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxMessageBytes,
    banner: 'Helpline email ingress',
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.mailboxOf(address.address)) return callback();
      const refusal = Object.assign(new Error(`no mailbox here for ${address.address}`), {
        responseCode: 550,
      });
      return callback(refusal);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('the mail is too large'), { responseCode: 552 }));
        }
        const source = Buffer.concat(chunks);
        // One copy per mailbox named (two of our addresses on one mail are two conversations' business).
        const mailboxes = new Set(
          session.envelope.rcptTo.flatMap((rcpt) => options.mailboxOf(rcpt.address) ?? []),
        );
        Promise.all([...mailboxes].map((mailbox) => options.takeIn(mailbox, source))).then(
          () => callback(),
          (error: unknown) =>
            callback(
              Object.assign(new Error(`not taken in, try again later (${(error as Error).message})`), {
                responseCode: 451,
              }),
            ),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
