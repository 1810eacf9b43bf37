// The demo's email, with nothing to install: a mail catcher (an SMTP server in the demo process) that takes the
// replies the Helpline server sends to customers and keeps them in memory, a "Demo mailbox" page that lists them as
// text (never HTML) with their threading headers, and a form on it to answer as the customer — real mail over SMTP
// to the Helpline server's ingress, threaded by the reply token and In-Reply-To like any mail program's answer.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { securityHeaders, strictCsp } from './static-server.mjs';

/** The demo mailbox's address: customers write to it, replies come from it (with `+<token>` in Reply-To). */
export const DEMO_SUPPORT_ADDRESS = 'support@shop.localhost';
/** The customer `npm run demo:mail` and the mailbox page write as, unless told otherwise. */
export const DEMO_CUSTOMER_ADDRESS = 'ann@customer.localhost';
/** Mails kept; the oldest go first. */
const KEPT = 200;

/**
 * The demo server's `email` section: one mailbox fed by the SMTP ingress on `ingressPort` (no IMAP), its replies
 * sent over plain SMTP to the catcher on `catcherPort`, new conversations in `queueId`.
 */
export function demoEmailConfig({ ingressPort, catcherPort, queueId = 'support' }) {
  return {
    mailboxes: [
      {
        id: 'demo',
        address: DEMO_SUPPORT_ADDRESS,
        name: 'Helpline demo shop',
        queueId,
        smtp: { host: '127.0.0.1', port: catcherPort, secure: false, allowPlaintext: true },
      },
    ],
    ingress: { host: '127.0.0.1', port: ingressPort },
  };
}

/**
 * Sends one mail as a customer to the Helpline server's SMTP ingress on 127.0.0.1:`port`; resolves with its
 * Message-ID. `inReplyTo` and `references` make it an answer (a mail program sets them when you press Reply).
 */
export async function sendCustomerMail({
  port,
  from = DEMO_CUSTOMER_ADDRESS,
  to = DEMO_SUPPORT_ADDRESS,
  subject,
  text,
  inReplyTo,
  references,
}) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from,
      to,
      subject,
      text,
      ...(inReplyTo ? { inReplyTo } : {}),
      ...(references?.length ? { references } : {}),
    });
    return info.messageId;
  } finally {
    transport.close();
  }
}

const escapeHtml = (text) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

/** One caught mail as the page and the tests read it: headers as text, the plain-text part only. */
function caughtMail(id, parsed, envelope) {
  const address = (value) => value?.text ?? '';
  const refs = parsed.references;
  return {
    id,
    receivedAt: Date.now(),
    envelopeTo: envelope.rcptTo.map((rcpt) => rcpt.address),
    from: address(parsed.from),
    to: address(parsed.to),
    replyTo: address(parsed.replyTo),
    replyToAddress: parsed.replyTo?.value[0]?.address ?? parsed.from?.value[0]?.address ?? '',
    subject: parsed.subject ?? '',
    messageId: parsed.messageId ?? '',
    inReplyTo: parsed.inReplyTo ?? '',
    references: refs === undefined ? [] : Array.isArray(refs) ? refs : [refs],
    // Never the HTML part: the demo shows what a plain-text mail program shows.
    text: parsed.text ?? '',
  };
}

function page({ mails, ingressPort, notice, formToken }) {
  const token = `<input type="hidden" name="token" value="${formToken}">`;
  const header = (name, value) =>
    value ? `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(value)}</code></dd>` : '';
  const items = mails
    .map(
      (mail) => `<li><article aria-labelledby="m${mail.id}">
<h3 id="m${mail.id}">${escapeHtml(mail.subject || '(no subject)')}</h3>
<dl>${header('From', mail.from)}${header('To', mail.to)}${header('Reply-To', mail.replyTo)}${header('Date', new Date(mail.receivedAt).toISOString())}${header('Message-ID', mail.messageId)}${header('In-Reply-To', mail.inReplyTo)}${header('References', mail.references.join(' '))}</dl>
<pre>${escapeHtml(mail.text)}</pre>
<form method="post" action="reply">
<input type="hidden" name="id" value="${mail.id}">${token}
<label for="reply-${mail.id}">Reply as the customer</label>
<textarea id="reply-${mail.id}" name="text" rows="3" required></textarea>
<button type="submit">Send the reply</button>
</form>
</article></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo mailbox · Helpline</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="mailbox.css"></head>
<body><main>
<h1>Demo mailbox</h1>
<p>The mail the Helpline demo sent to customers, newest first, as plain text. Customers write to
<code>${escapeHtml(DEMO_SUPPORT_ADDRESS)}</code> through the demo's SMTP ingress on 127.0.0.1:${ingressPort}
(<code>npm run demo:mail -- "Subject" "Body"</code>). Reload to see new replies.</p>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}
<section aria-labelledby="write"><h2 id="write">Write to the shop as a customer</h2>
<form method="post" action="write">${token}
<label for="from">From</label> <input id="from" name="from" type="email" value="${escapeHtml(DEMO_CUSTOMER_ADDRESS)}" required>
<label for="subject">Subject</label> <input id="subject" name="subject" required>
<label for="body">Message</label> <textarea id="body" name="text" rows="3" required></textarea>
<button type="submit">Send to ${escapeHtml(DEMO_SUPPORT_ADDRESS)}</button>
</form></section>
<section aria-labelledby="sent"><h2 id="sent">Sent to customers (${mails.length})</h2>
${mails.length === 0 ? '<p>Nothing yet: answer a mail from the CRM console.</p>' : `<ol>${items}</ol>`}
</section></main></body></html>`;
}

/** The page's layout: a stylesheet of its own (the policy allows no inline style). */
const STYLES = `body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
form { display: grid; gap: 0.25rem; margin: 0.75rem 0; max-width: 36rem; }
textarea, input { font: inherit; } button { justify-self: start; font: inherit; }
article { border: 1px solid #ccc; border-radius: 0.5rem; padding: 0.25rem 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; } dd { margin: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 0.75rem; }
[role='status'] { background: #eef6ee; padding: 0.5rem; }`;

function readForm(request, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
      if (body.length > limit) reject(Object.assign(new Error('too large'), { status: 413 }));
    });
    request.on('end', () => resolve(new URLSearchParams(body)));
    request.on('error', reject);
  });
}

/**
 * Starts the catcher on 127.0.0.1:`catcherPort` (0: a free port) and the mailbox page on `pagePort`. `ingressPort`
 * is the Helpline server's SMTP ingress, where the page's forms send. Resolves with `{ catcherPort, url, mails(),
 * waitForMail(match), close() }`.
 */
export async function startDemoMailbox({ catcherPort = 0, pagePort = 0, ingressPort }) {
  const mails = [];
  const waiters = new Set();
  let nextId = 1;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    banner: 'Helpline demo mail catcher',
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          mails.unshift(caughtMail(nextId++, parsed, session.envelope));
          mails.length = Math.min(mails.length, KEPT);
          for (const waiter of [...waiters]) waiter();
          callback();
        },
        (error) => callback(error),
      );
    },
  });
  await new Promise((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(catcherPort, '127.0.0.1', () => resolve());
  });
  const caughtOn = smtp.server.address().port;

  const csp = strictCsp([]);
  // Forms of this page only: a token it writes into them (a page served with no-referrer posts Origin: null).
  const formToken = randomBytes(16).toString('hex');
  const http = createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders(request, csp)))
      response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const html = (status, notice) =>
      response
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
        .end(page({ mails, ingressPort, notice, formToken }));
    // After a form, the page again at its own address (a reload does not send the mail twice); the notice is text.
    if (request.method === 'GET' && url.pathname === '/')
      return html(200, url.searchParams.get('notice') ?? '');
    const done = (notice) =>
      response.writeHead(303, { location: `/?${new URLSearchParams({ notice })}` }).end();
    if (request.method === 'GET' && url.pathname === '/mailbox.css') {
      return response.writeHead(200, { 'content-type': 'text/css; charset=utf-8' }).end(STYLES);
    }
    if (request.method === 'GET' && url.pathname === '/mails.json') {
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(mails));
    }
    if (request.method !== 'POST' || (url.pathname !== '/reply' && url.pathname !== '/write')) {
      return response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
    const forbidden = () =>
      response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden');
    // Another site must not make the demo send mail: a foreign Origin is refused, and so is a form without the token.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== `http://${request.headers.host}`)
      return forbidden();
    readForm(request)
      .then(async (form) => {
        if (form.get('token') !== formToken) return forbidden();
        const text = form.get('text')?.trim();
        if (!text) return html(400, 'Write a message first.');
        if (url.pathname === '/write') {
          const subject = form.get('subject')?.trim() || 'Hello';
          const from = form.get('from')?.trim() || DEMO_CUSTOMER_ADDRESS;
          await sendCustomerMail({ port: ingressPort, from, subject, text });
          return done(`Sent "${subject}" to ${DEMO_SUPPORT_ADDRESS}: an agent is offered it in the CRM.`);
        }
        const mail = mails.find((each) => String(each.id) === form.get('id'));
        if (!mail) return html(404, 'That mail is no longer here.');
        await sendCustomerMail({
          port: ingressPort,
          from: mail.envelopeTo[0] ?? DEMO_CUSTOMER_ADDRESS,
          to: mail.replyToAddress,
          subject: /^re:/i.test(mail.subject) ? mail.subject : `Re: ${mail.subject}`,
          text: `${text}\n\nOn ${new Date(mail.receivedAt).toUTCString()}, ${mail.from} wrote:\n${mail.text
            .split('\n')
            .map((line) => `> ${line}`)
            .join('\n')}`,
          inReplyTo: mail.messageId,
          references: [...mail.references, mail.messageId].filter(Boolean),
        });
        return done(`Replied to "${mail.subject}": it joins the same conversation in the CRM.`);
      })
      .catch((error) => html(error.status ?? 502, `Not sent: ${error.message}`));
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(pagePort, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${http.address().port}/`;

  return {
    catcherPort: caughtOn,
    url,
    /** The caught mails, newest first. */
    mails: () => [...mails],
    /** Resolves with the first caught mail (newest first) that `match` accepts, waiting for it if need be. */
    waitForMail(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no such mail within ${timeoutMs} ms (caught ${mails.length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const waiter of [...waiters]) waiters.delete(waiter);
      http.closeAllConnections?.();
      await Promise.all([
        new Promise((resolve) => http.close(() => resolve())),
        new Promise((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}
