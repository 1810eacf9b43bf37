import { readFileSync } from 'node:fs';
import {
  type Agent,
  type BusinessHours,
  DEFAULT_CAPACITY,
  DEFAULT_MESSAGING_SLA,
  isHelplineError,
  localizedText,
  MESSAGING_CHANNELS,
  type Queue,
  type QueueVoice,
  validateBusinessHours,
} from '@helpline/core';
import * as v from 'valibot';
import { checkEmailConfig } from '../channels/email/email.config';
import { checkMessagingConfig } from '../channels/messaging/messaging.config';
import { checkOutboundConfig } from '../outbound/outbound.config';
import { checkReportsConfig } from '../reports/reports.schedule';
import { checkVonageConfig } from '../vonage/vonage.config';
import { type ConfigFile, type ConfigInput, configSchema, type SiteConfig } from './config.schema';

/** A configuration that failed validation; `issues` name each bad field by its path. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** The validated configuration, with core's queues and agents built from it. */
export interface ServerConfig {
  readonly file: ConfigFile;
  readonly queues: readonly Queue[];
  readonly agents: readonly Agent[];
  readonly sites: ReadonlyMap<string, SiteConfig>;
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let path = 'config';
  for (const item of issue.path ?? [])
    path += typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`;
  return path;
}

function describe(issue: v.BaseIssue<unknown>): string {
  // valibot reports an unknown key of a strict object as "Invalid key: Expected never but received …".
  if (issue.kind === 'schema' && issue.expected === 'never')
    return `${pathOf(issue)}: is not a known setting`;
  if (issue.kind === 'schema' && issue.received === 'undefined') return `${pathOf(issue)}: is required`;
  return `${pathOf(issue)}: ${issue.message}`;
}

/** The engine of browser calls: Vonage when the file has a `vonage` section, else WebRTC between browsers. */
function voiceOf(file: ConfigFile): QueueVoice {
  if (!file.vonage) return { provider: 'webrtc' };
  return { provider: 'vonage', ...(file.vonage.region ? { region: file.vonage.region } : {}) };
}

/** A queue's messaging SLA with every target the file leaves out filled from the channel's default. */
function messagingSlaOf(input: ConfigFile['queues'][number]['messagingSla']): Queue['messagingSla'] {
  if (!input) return undefined;
  const channels = MESSAGING_CHANNELS.filter((channel) => input[channel] !== undefined);
  return Object.fromEntries(
    channels.map((channel) => [channel, { ...DEFAULT_MESSAGING_SLA[channel], ...input[channel] }]),
  );
}

function toQueue(input: ConfigFile['queues'][number], voice: QueueVoice): Queue {
  const { businessHours, overflow, cannedResponses, name, dispositions, messagingSla, ...rest } = input;
  const sla = messagingSlaOf(messagingSla);
  return {
    ...rest,
    // The default name is English where given: routing logs, CSV exports and older clients read `name`.
    name: localizedText(name, 'en'),
    ...(typeof name === 'string' ? {} : { names: name }),
    dispositions: dispositions.map(({ label, ...disposition }) => ({
      ...disposition,
      label: localizedText(label, 'en'),
      ...(typeof label === 'string' ? {} : { labels: label }),
    })),
    voice,
    ...(cannedResponses ? { cannedResponses } : {}),
    ...(businessHours ? { businessHours: businessHours as BusinessHours } : {}),
    ...(overflow ? { overflow } : {}),
    ...(sla ? { messagingSla: sla } : {}),
  };
}

function toAgent(input: ConfigFile['agents'][number]): Agent {
  const capacity = Object.fromEntries(
    Object.entries(input.capacity).filter(([, value]) => value !== undefined),
  );
  return {
    id: input.id,
    displayName: input.name,
    skills: input.skills,
    languages: input.languages,
    capacity: { ...DEFAULT_CAPACITY, ...capacity },
    queueIds: input.queues,
    role: input.role,
    ...(input.leads.length > 0 ? { leads: input.leads } : {}),
  };
}

function duplicates(ids: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) (seen.has(id) ? repeated : seen).add(id);
  return repeated;
}

/** Checks what one field's schema cannot: unique ids, references between sections, business hours. */
function crossCheck(file: ConfigFile): string[] {
  const issues: string[] = [];
  const queueIds = new Set(file.queues.map((q) => q.id));
  if (file.outbound) issues.push(...checkOutboundConfig(file.outbound, queueIds));
  for (const [section, list] of [
    ['queues', file.queues],
    ['agents', file.agents],
    ['sites', file.sites],
  ] as const) {
    const repeated = duplicates(list.map((item) => item.id));
    list.forEach((item, index) => {
      if (repeated.has(item.id))
        issues.push(`config.${section}[${index}].id: "${item.id}" is used more than once`);
    });
  }
  file.queues.forEach((queue, index) => {
    const at = `config.queues[${index}]`;
    if (queue.businessHours) {
      try {
        validateBusinessHours(queue.businessHours as BusinessHours);
      } catch (error) {
        const detail = isHelplineError(error) ? error.message.replace(/^\[[^\]]*\]\s*/, '') : String(error);
        issues.push(`${at}.businessHours: ${detail}`);
      }
    }
    if (queue.overflow?.queueId !== undefined && !queueIds.has(queue.overflow.queueId)) {
      issues.push(`${at}.overflow.queueId: "${queue.overflow.queueId}" is not a queue`);
    }
    if (queue.dispositionRequired && queue.dispositions.length === 0) {
      issues.push(`${at}.dispositions: must not be empty when dispositionRequired is true`);
    }
    const dispositions = duplicates(queue.dispositions.map((d) => d.id));
    for (const id of dispositions) issues.push(`${at}.dispositions: "${id}" is used more than once`);
    const canned = duplicates((queue.cannedResponses ?? []).map((c) => c.id));
    for (const id of canned) issues.push(`${at}.cannedResponses: "${id}" is used more than once`);
    const { survey } = queue;
    if (survey.nps && !survey.csat)
      issues.push(`${at}.survey.nps: needs survey.csat (NPS is asked after the rating)`);
    if (survey.keypad && !survey.csat)
      issues.push(`${at}.survey.keypad: needs survey.csat (the keypad survey starts with the rating)`);
    if (survey.keypad && !file.vonage)
      issues.push(`${at}.survey.keypad: needs the vonage section (phone callers answer through Vonage)`);
    const sla = messagingSlaOf(queue.messagingSla) ?? {};
    for (const [channel, targets] of Object.entries(sla)) {
      if (targets.resolutionSeconds < targets.firstResponseSeconds)
        issues.push(
          `${at}.messagingSla.${channel}.resolutionSeconds: must not be shorter than the first-response target (${targets.firstResponseSeconds} s)`,
        );
    }
  });
  file.agents.forEach((agent, index) => {
    agent.queues.forEach((queueId, q) => {
      if (!queueIds.has(queueId))
        issues.push(`config.agents[${index}].queues[${q}]: "${queueId}" is not a queue`);
    });
    agent.leads.forEach((queueId, q) => {
      if (!queueIds.has(queueId))
        issues.push(`config.agents[${index}].leads[${q}]: "${queueId}" is not a queue`);
    });
    if (agent.leads.length > 0 && agent.role === 'supervisor')
      issues.push(
        `config.agents[${index}].leads: supervisors act on every escalation already; only agents lead queues`,
      );
  });
  file.sites.forEach((site, index) => {
    site.topics.forEach((topic, t) => {
      if (!queueIds.has(topic.queueId)) {
        issues.push(`config.sites[${index}].topics[${t}].queueId: "${topic.queueId}" is not a queue`);
      }
    });
    if (site.identity && !site.identity.secretEnv && !site.identity.jwksUrl) {
      issues.push(`config.sites[${index}].identity: needs secretEnv or jwksUrl`);
    }
    const names = duplicates(site.prechat.map((field) => field.name));
    for (const name of names) issues.push(`config.sites[${index}].prechat: "${name}" is used more than once`);
  });
  file.routing.rules.forEach((rule, index) => {
    const at = `config.routing.rules[${index}]`;
    if (rule.set.queueId !== undefined && !queueIds.has(rule.set.queueId))
      issues.push(`${at}.set.queueId: "${rule.set.queueId}" is not a queue`);
    if (Object.keys(rule.set).length === 0) issues.push(`${at}.set: must set priority, skills or queueId`);
  });
  // Vonage section (packages/server/src/vonage): numbers and menus name queues.
  if (file.vonage) issues.push(...checkVonageConfig(file.vonage, queueIds));
  // Messaging section (packages/server/src/channels/messaging): senders name queues.
  if (file.messaging) issues.push(...checkMessagingConfig(file.messaging, queueIds));
  // Email section (packages/server/src/channels/email): mailboxes name queues.
  if (file.email) issues.push(...checkEmailConfig(file.email, queueIds));
  // Scheduled reports (packages/server/src/reports): sent through the email section's mailboxes.
  if (file.reports) issues.push(...checkReportsConfig(file.reports, file.email));
  return issues;
}

/**
 * Validates a parsed configuration and builds core's queues and agents from it. Throws a {@link ConfigError}
 * listing every problem with its field path.
 *
 * @example
 * ```ts
 * parseConfig({ queues: [{ id: 'support', name: 'Support', businessHours: { timeZone: 'Mars/Base', weekly: {} } }], sites: [] });
 * // ConfigError: config.queues[0].businessHours.timeZone: "Mars/Base" is not an IANA time zone …
 * ```
 */
export function parseConfig(input: unknown): ServerConfig {
  const result = v.safeParse(configSchema, input);
  if (!result.success) throw new ConfigError(result.issues.map(describe));
  const file = result.output;
  const issues = crossCheck(file);
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    file,
    queues: file.queues.map((queue) => toQueue(queue, voiceOf(file))),
    agents: file.agents.map(toAgent),
    sites: new Map(file.sites.map((site) => [site.id, site])),
  };
}

/** Reads and validates a JSON configuration file. */
export function loadConfig(path: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `config: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`config: ${path} is not valid JSON (${(error as Error).message})`]);
  }
  return parseConfig(input);
}

export type { ConfigInput };
