import type { Queue, WireInteraction } from '@helpline/core';

/**
 * Fills `{placeholders}` in a canned response. The result is plain text for the composer: values are
 * inserted as they are (never parsed), and a placeholder nobody knows stays visible so the agent notices it.
 *
 * @example
 * ```ts
 * fillPlaceholders('Hi {customer.name}!', { 'customer.name': 'Ada' }); // 'Hi Ada!'
 * ```
 */
export function fillPlaceholders(
  template: string,
  values: Readonly<Record<string, string | undefined>>,
): string {
  return template.replace(/\{([\w.-]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] ?? '') : whole,
  );
}

/**
 * The placeholder values of an interaction: `{customer.name}`, `{customer.email}`, `{customer.phone}`,
 * `{customer.<attribute>}` for each host-site attribute, `{agent.name}`, `{queue.name}` and `{topic}`.
 */
export function placeholderValues(
  interaction: WireInteraction | undefined,
  agentName: string | undefined,
  queue: Queue | undefined,
): Record<string, string | undefined> {
  const customer = interaction?.customer;
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(customer?.attributes ?? {})) values[`customer.${key}`] = value;
  return {
    ...values,
    'customer.name': customer?.name,
    'customer.email': customer?.email,
    'customer.phone': customer?.phone,
    'agent.name': agentName,
    'queue.name': queue?.name,
    topic: interaction?.topic,
  };
}
