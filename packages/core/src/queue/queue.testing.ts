// Test-only helpers shared by the queue tests (business hours, callback slots).
// Not exported from any index: nothing in a build imports this file.
import type { BusinessHours } from './queue.types';

/** Epoch ms of an ISO date-time. */
export const utc = (iso: string): number => Date.parse(iso);

/** The same opening hours Monday to Friday, closed at the weekend. */
export const weekdays = (open: string, close: string): BusinessHours['weekly'] => ({
  1: [{ open, close }],
  2: [{ open, close }],
  3: [{ open, close }],
  4: [{ open, close }],
  5: [{ open, close }],
});
