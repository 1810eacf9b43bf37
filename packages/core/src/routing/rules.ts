import type { SkillRequirement } from '../interaction/interaction.types';

// Routing rules: what is known when a contact starts (who vouched for the customer, the number they call from, the
// topic, their language and country) decides its priority, the skills it needs and, for location routing, its
// queue. Pure: the hub applies them once, when it creates the interaction, and keeps the reasons for supervisors.

/** The conditions of a rule; all that are given must hold (an empty `when` matches every contact). */
export interface RoutingRuleCondition {
  /** Claims of the host-vouched identity (its `attributes`), each matching one of the listed values. */
  readonly claim?: Readonly<Record<string, readonly string[]>> | undefined;
  /** The customer's phone number (E.164) is one of these: a VIP list for caller ID. */
  readonly callerIn?: readonly string[] | undefined;
  /** The topic the customer picked. */
  readonly topic?: readonly string[] | undefined;
  /** The customer's language; `nl` matches `nl-BE` too. */
  readonly language?: readonly string[] | undefined;
  /** The customer's country (ISO 3166-1 alpha-2, upper case). */
  readonly country?: readonly string[] | undefined;
}

/** What a matching rule does. */
export interface RoutingRuleEffect {
  /** Added to the contact's priority (higher goes first). */
  readonly priority?: number | undefined;
  /** Skills the contact needs on top of its queue's. */
  readonly skills?: readonly SkillRequirement[] | undefined;
  /** The queue the contact goes to (location routing); the first matching rule that names one wins. */
  readonly queueId?: string | undefined;
}

/** One routing rule. */
export interface RoutingRule {
  /** Why a contact got its priority, skills or queue, as supervisors see it ("VIP tier", "Belgium"). */
  readonly name: string;
  readonly when: RoutingRuleCondition;
  readonly set: RoutingRuleEffect;
}

/** What is known of a contact when it starts. */
export interface RoutingFacts {
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  readonly phone?: string | undefined;
  readonly topic?: string | undefined;
  readonly language?: string | undefined;
  readonly country?: string | undefined;
}

/** The rules' verdict for one contact. */
export interface RoutingDecision {
  readonly priority: number;
  readonly requiredSkills: readonly SkillRequirement[];
  /** Set when a rule names a queue. */
  readonly queueId?: string | undefined;
  /** Names of the rules that matched, in order. */
  readonly reasons: readonly string[];
}

const oneOf = (allowed: readonly string[] | undefined, value: string | undefined): boolean =>
  allowed === undefined || (value !== undefined && allowed.includes(value));

function languageMatches(allowed: readonly string[] | undefined, language: string | undefined): boolean {
  if (allowed === undefined) return true;
  if (language === undefined) return false;
  const lower = language.toLowerCase();
  return allowed.some((tag) => {
    const wanted = tag.toLowerCase();
    return lower === wanted || lower.startsWith(`${wanted}-`);
  });
}

/** True when every condition of `rule` holds for `facts`. */
export function ruleMatches(rule: RoutingRule, facts: RoutingFacts): boolean {
  const { when } = rule;
  const claims = Object.entries(when.claim ?? {});
  return (
    claims.every(([name, values]) => oneOf(values, facts.attributes?.[name])) &&
    oneOf(when.callerIn, facts.phone) &&
    oneOf(when.topic, facts.topic) &&
    languageMatches(when.language, facts.language) &&
    oneOf(when.country, facts.country?.toUpperCase())
  );
}

/**
 * Applies every matching rule in order: priorities add up, skills join (the higher level of a skill named twice
 * counts), the first queue named wins.
 *
 * @example
 * ```ts
 * decideRouting([{ name: 'VIP tier', when: { claim: { tier: ['gold'] } }, set: { priority: 10 } }], {
 *   attributes: { tier: 'gold' },
 * }); // { priority: 10, requiredSkills: [], reasons: ['VIP tier'] }
 * ```
 */
export function decideRouting(rules: readonly RoutingRule[], facts: RoutingFacts): RoutingDecision {
  let priority = 0;
  let queueId: string | undefined;
  const skills = new Map<string, number>();
  const reasons: string[] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, facts)) continue;
    reasons.push(rule.name);
    priority += rule.set.priority ?? 0;
    for (const { skill, minLevel } of rule.set.skills ?? [])
      skills.set(skill, Math.max(minLevel, skills.get(skill) ?? 0));
    queueId ??= rule.set.queueId;
  }
  const requiredSkills = [...skills].map(([skill, minLevel]) => ({ skill, minLevel }));
  return { priority, requiredSkills, reasons, ...(queueId === undefined ? {} : { queueId }) };
}
