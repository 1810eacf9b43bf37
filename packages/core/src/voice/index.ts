export * from './voice.machine';
