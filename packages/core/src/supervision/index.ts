export * from './supervision.machine';
export * from './supervision.types';
