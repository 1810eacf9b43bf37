/**
 * `@helpline/core/routing`: the skills-based ACD (pure, clock injected, deterministic).
 *
 * @packageDocumentation
 */
export { createRouter } from './router';
export * from './routing.types';
