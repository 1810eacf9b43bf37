/**
 * `@helpline/core`: the framework-agnostic contact-center SDK — domain model, state machines, routing, KPIs,
 * the wire protocol, connections and sessions exposed as nanostores.
 *
 * @packageDocumentation
 */
export * from './agent';
export * from './connection';
export * from './hub';
export * from './interaction';
export * from './machine';
export * from './protocol';
export * from './queue/queue.types';
export * from './render';
export * from './routing/routing.types';
export * from './session';
export * from './transport';
export * from './voice';
