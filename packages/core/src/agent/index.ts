export * from './agent.types';
export * from './presence.machine';
