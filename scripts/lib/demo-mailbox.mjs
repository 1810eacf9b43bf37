// The demo's email, with nothing to install: a mail catcher (an SMTP server in the demo process) that takes the
// replies the Helpline server sends to customers and keeps them in memory, a "Demo mailbox" page that lists them as
// text (never HTML) with their threading headers, and a form on it to answer as the customer — real mail over SMTP
// to the Helpline server's ingress, threaded by the reply token and In-Reply-To like any mail program's answer.
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

function page({ mails, ingressPort, notice }) {
  const header = (name, value) =>
    value ? `<dt>${escapeHtml(name)}</dt><dd><code>${escapeHtml(value)}</code></dd>` : '';
  const items = mails
    .map(
      (mail) => `<li><article aria-labelledby="m${mail.id}">
<h3 id="m${mail.id}">${escapeHtml(mail.subject || '(no subject)')}</h3>
<dl>${header('From', mail.from)}${header('To', mail.to)}${header('Reply-To', mail.replyTo)}${header('Date', new Date(mail.receivedAt).toISOString())}${header('Message-ID', mail.messageId)}${header('In-Reply-To', mail.inReplyTo)}${header('References', mail.references.join(' '))}</dl>
<pre>${escapeHtml(mail.text)}</pre>
<form method="post" action="reply">
<input type="hidden" name="id" value="${mail.id}">
<label for="reply-${mail.id}">Reply as the customer</label>
<textarea id="reply-${mail.id}" name="text" rows="3" required></textarea>
<button type="submit">Send the reply</button>
</form>
</article></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo mailbox · Helpline</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Demo mailbox</h1>
<p>The mail the Helpline demo sent to customers, newest first, as plain text. Customers write to
<code>${escapeHtml(DEMO_SUPPORT_ADDRESS)}</code> through the demo's SMTP ingress on 127.0.0.1:${ingressPort}
(<code>npm run demo:mail -- "Subject" "Body"</code>). Reload to see new replies.</p>
${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}
<section aria-labelledby="write"><h2 id="write">Write to the shop as a customer</h2>
<form method="post" action="write">
<label for="from">From</label> <input id="from" name="from" type="email" value="${escapeHtml(DEMO_CUSTOMER_ADDRESS)}" required>
<label for="subject">Subject</label> <input id="subject" name="subject" required>
<label for="body">Message</label> <textarea id="body" name="text" rows="3" required></textarea>
<button type="submit">Send to ${escapeHtml(DEMO_SUPPORT_ADDRESS)}</button>
</form></section>
<section aria-labelledby="sent"><h2 id="sent">Sent to customers (${mails.length})</h2>
${mails.length === 0 ? '<p>Nothing yet: answer a mail from the CRM console.</p>' : `<ol>${items}</ol>`}
</section></main></body></html>`;
}

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
  const http = createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders(request, csp)))
      response.setHeader(name, value);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const html = (status, notice) =>
      response
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
        .end(page({ mails, ingressPort, notice }));
    if (request.method === 'GET' && url.pathname === '/') return html(200);
    if (request.method === 'GET' && url.pathname === '/mails.json') {
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(mails));
    }
    if (request.method !== 'POST' || (url.pathname !== '/reply' && url.pathname !== '/write')) {
      return response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    }
    // Forms of this page only: another site must not make the demo send mail.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      return response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden');
    }
    readForm(request)
      .then(async (form) => {
        const text = form.get('text')?.trim();
        if (!text) return html(400, 'Write a message first.');
        if (url.pathname === '/write') {
          const subject = form.get('subject')?.trim() || 'Hello';
          const from = form.get('from')?.trim() || DEMO_CUSTOMER_ADDRESS;
          await sendCustomerMail({ port: ingressPort, from, subject, text });
          return html(
            200,
            `Sent "${subject}" to ${DEMO_SUPPORT_ADDRESS}: an agent is offered it in the CRM.`,
          );
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
        return html(200, `Replied to "${mail.subject}": it joins the same conversation in the CRM.`);
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
