// `npm run demo:mail -- "Subject" "Body" [--from you@example.com]`: sends one mail, as a customer, to the running
// demo's mailbox (support@shop.localhost) through the Helpline server's SMTP ingress on 127.0.0.1:2525
// (HELPLINE_DEMO_SMTP_PORT). Real SMTP, the same as `swaks` or `curl smtp://` would send (docs/email.md).
import { parseArgs } from 'node:util';
import { DEMO_CUSTOMER_ADDRESS, DEMO_SUPPORT_ADDRESS, sendCustomerMail } from './lib/demo-mailbox.mjs';

const usage = 'usage: npm run demo:mail -- "Subject" "Body" [--from you@example.com]';
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string', default: DEMO_CUSTOMER_ADDRESS }, help: { type: 'boolean' } },
  });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help || positionals.length === 0 || positionals.length > 2) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const [subject, body = 'Hello, I have a question about my order.'] = positionals;
const port = Number(process.env.HELPLINE_DEMO_SMTP_PORT || 2525);

try {
  const messageId = await sendCustomerMail({ port, from: values.from, subject, text: body });
  console.log(`Sent "${subject}" from ${values.from} to ${DEMO_SUPPORT_ADDRESS} (Message-ID ${messageId}).
Answer it in the CRM (an agent is offered it in the Support queue); the reply shows in the demo mailbox.`);
} catch (error) {
  console.error(`Not sent: ${error.message}`);
  if (error.code === 'ESOCKET' || error.code === 'ECONNECTION') {
    console.error(`Is the demo running (npm start)? Its SMTP ingress listens on 127.0.0.1:${port}.`);
  }
  process.exit(1);
}
