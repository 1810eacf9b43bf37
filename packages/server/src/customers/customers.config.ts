import * as v from 'valibot';
import { isCrmUrl } from './customers.crm';

/**
 * The `customers` section of the server's configuration file (docs/customers.md): the host CRM's webhook the screen
 * pop asks who a new customer is. The secret is never in the file: `secretEnv` names the environment variable.
 */
export const customersConfigSchema = v.strictObject({
  crmWebhook: v.optional(
    v.strictObject({
      /** The CRM's endpoint: `https:`, or `http:` on localhost for development. */
      url: v.pipe(
        v.string(),
        v.check(
          isCrmUrl,
          (issue) => `${JSON.stringify(issue.input)} is not an https: URL (http: only on localhost)`,
        ),
      ),
      /** Name of the environment variable holding the signing secret (at least 16 characters). */
      secretEnv: v.optional(
        v.pipe(v.string(), v.regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name')),
        'HELPLINE_CRM_SECRET',
      ),
      /** How long the server waits for the CRM before keeping its own record. */
      timeoutMs: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(100, 'must be at least 100'),
          v.maxValue(30_000, 'must be at most 30000'),
        ),
      ),
    }),
  ),
});

/** The `customers` section after validation. */
export type CustomersConfig = v.InferOutput<typeof customersConfigSchema>;
