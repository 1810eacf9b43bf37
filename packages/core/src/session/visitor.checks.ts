import { checksOf } from '../connection/connection.checks';
import { visitorFrameGuard, visitorResultGuards } from '../protocol/protocol.guards.generated';

/**
 * What a visitor's connection checks: only the frames a visitor receives and the acks of what it sends, so the staff
 * notices and results stay out of its bundle. Loaded when the connection first connects, not with the page.
 */
export const visitorChecks = checksOf(visitorResultGuards, visitorFrameGuard);
