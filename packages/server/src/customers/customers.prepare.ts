import { ConfigError } from '../config/config';
import type { CustomersConfig } from './customers.config';
import { crmWebhook } from './customers.crm';
import type { CustomerDirectoryOptions } from './customers.directory';

/** The smallest secret the webhook accepts: shorter ones are guessable. */
const MIN_SECRET_LENGTH = 16;

/**
 * The customer directory's options from the `customers` section: the CRM webhook as `resolveCustomer`, signed with the
 * secret read from `env`. Throws a {@link ConfigError} naming the setting when the variable is unset or too short.
 *
 * @example
 * ```ts
 * const options = prepareCustomers({ crmWebhook: { url: 'https://crm.example/resolve', secretEnv: 'CRM_SECRET' } }, process.env);
 * ```
 */
export function prepareCustomers(
  config: CustomersConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): CustomerDirectoryOptions {
  const webhook = config?.crmWebhook;
  if (!webhook) return {};
  const secret = env[webhook.secretEnv];
  if (!secret || secret.length < MIN_SECRET_LENGTH)
    throw new ConfigError([
      `config.customers.crmWebhook.secretEnv: ${webhook.secretEnv} ${secret ? `must hold at least ${MIN_SECRET_LENGTH} characters` : 'is not set'}`,
    ]);
  return {
    resolveCustomer: crmWebhook({ url: webhook.url, secret }),
    ...(webhook.timeoutMs === undefined ? {} : { resolveTimeoutMs: webhook.timeoutMs }),
  };
}
