import { createHmac } from 'node:crypto';
import type { CrmLookup, CrmRecord } from './customers.directory';

/** `true` for an `https:` URL, or an `http:` one on a loopback address (a CRM running next to the server in development). */
export function isCrmUrl(value: string): boolean {
  try {
    const url = new URL(value);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback);
  } catch {
    return false;
  }
}

/** Options of {@link crmWebhook}. */
export interface CrmWebhookOptions {
  /** The host CRM's endpoint (`https:`; `http:` only for a loopback address in development). */
  readonly url: string;
  /** The shared secret the body is signed with (HMAC-SHA256, hex, in `X-Helpline-Signature: sha256=…`). */
  readonly secret: string;
  /** `fetch` to use (tests pass their own). Default: the global one. */
  readonly fetch?: typeof fetch | undefined;
}

/** The signature a {@link crmWebhook} request carries: `sha256=` and the HMAC-SHA256 of the body in hex. */
export function crmSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * A host CRM's resolver as a webhook: POSTs `{customerId, identifiers}` as JSON with an HMAC signature and expects
 * `{customerId, displayName?, crmUrl?}` (200) or nothing known (404 / 204). Any other answer is an error; the
 * directory's timeout (`resolveTimeoutMs`) aborts a slow one and keeps its own record (docs/customers.md).
 *
 * @example
 * ```ts
 * const resolveCustomer = crmWebhook({ url: 'https://crm.example/helpline/resolve', secret: process.env.CRM_SECRET ?? '' });
 * ```
 */
export function crmWebhook(
  options: CrmWebhookOptions,
): (lookup: CrmLookup) => Promise<CrmRecord | undefined> {
  const target = new URL(options.url);
  if (!isCrmUrl(options.url))
    throw new Error(
      `the CRM webhook must be https: (${target.protocol} is only allowed on a loopback address)`,
    );
  if (options.secret.length < 16) throw new Error('the CRM webhook secret must have at least 16 characters');
  const send = options.fetch ?? fetch;
  return async (lookup) => {
    const body = JSON.stringify(lookup);
    const response = await send(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-helpline-signature': crmSignature(options.secret, body),
      },
      body,
      redirect: 'error',
    });
    if (response.status === 404 || response.status === 204) return undefined;
    if (!response.ok) throw new Error(`the CRM webhook answered ${response.status}`);
    const answer = (await response.json()) as Partial<Record<keyof CrmRecord, unknown>>;
    if (typeof answer.customerId !== 'string')
      throw new Error('the CRM webhook answered without a customerId');
    return {
      customerId: answer.customerId,
      ...(typeof answer.displayName === 'string' ? { displayName: answer.displayName } : {}),
      ...(typeof answer.crmUrl === 'string' ? { crmUrl: answer.crmUrl } : {}),
    };
  };
}
