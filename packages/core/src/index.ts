/**
 * `@helpline/core`: the framework-agnostic contact-center SDK.
 *
 * @packageDocumentation
 */
export * from './agent/agent.types';
export * from './interaction/interaction.types';
export * from './machine';
export * from './protocol/errors';
export * from './queue/queue.types';
export * from './routing/routing.types';
