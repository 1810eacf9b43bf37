/**
 * `@helpline/core/routing`: the skills-based ACD (pure, clock injected, deterministic).
 *
 * @packageDocumentation
 */
export { createRouter } from './router';
export * from './routing.types';
export {
  decideRouting,
  type RoutingDecision,
  type RoutingFacts,
  type RoutingRule,
  type RoutingRuleCondition,
  type RoutingRuleEffect,
  ruleMatches,
} from './rules';
