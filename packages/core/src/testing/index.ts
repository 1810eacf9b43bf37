export { salesQueue, supportQueue, testAgent } from './fixtures';
export { createTestClock, flush, type TestClock, waitFor } from './test-clock';
export { fakeRinger, fakeVoiceProvider } from './voice';
