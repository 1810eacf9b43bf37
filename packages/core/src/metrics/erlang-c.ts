import { helplineError } from '../protocol/errors';

/*
 * Erlang C (M/M/N queue: Poisson arrivals, exponential handle times, N agents, infinite patience).
 * Formula: A. K. Erlang (1917); textbook form in Gross & Harris, "Fundamentals of Queueing Theory", §2.3,
 * and R. B. Cooper, "Introduction to Queueing Theory", §3.4.
 *
 * We never evaluate A^N / N! directly (it overflows a double near N = 170). Instead we run the Erlang B
 * recursion B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)), whose terms stay in [0, 1], and convert:
 * C(N, A) = N·B / (N − A·(1 − B)).
 */

function requireFinite(value: number, field: string, rule: string, ok: boolean): void {
  if (!Number.isFinite(value) || !ok) {
    throw helplineError(
      'validation/field',
      { scope: 'erlang-c', field, detail: `${String(value)} must be ${rule}` },
      { field },
    );
  }
}

function checkAgentsAndTraffic(agents: number, trafficErlangs: number): void {
  requireFinite(agents, 'agents', 'a whole number ≥ 0', Number.isInteger(agents) && agents >= 0);
  requireFinite(trafficErlangs, 'trafficErlangs', 'a number ≥ 0', trafficErlangs >= 0);
}

/**
 * Erlang B: the probability that all `agents` are busy in a loss system offered `trafficErlangs`.
 * Computed with the stable recursion, so it works for thousands of agents.
 *
 * @example
 * ```ts
 * erlangB(10, 5); // ≈ 0.01838
 * ```
 */
export function erlangB(agents: number, trafficErlangs: number): number {
  checkAgentsAndTraffic(agents, trafficErlangs);
  let blocking = 1;
  for (let k = 1; k <= agents; k++) {
    const carried = trafficErlangs * blocking;
    blocking = carried / (k + carried);
  }
  return blocking;
}

/**
 * Erlang C: the probability that an arriving contact has to wait (`Pw`), for `agents` agents offered
 * `trafficErlangs` Erlangs of work. 1 when the traffic is at or above the number of agents (the queue grows
 * without bound); 0 when there is no traffic.
 *
 * @example
 * ```ts
 * // 100 calls per 30 minutes, 180 s handle time → 10 Erlangs; 14 agents:
 * erlangC(14, 10); // ≈ 0.1741
 * ```
 */
export function erlangC(agents: number, trafficErlangs: number): number {
  checkAgentsAndTraffic(agents, trafficErlangs);
  if (trafficErlangs === 0) return 0;
  if (trafficErlangs >= agents) return 1;
  const blocking = erlangB(agents, trafficErlangs);
  return (agents * blocking) / (agents - trafficErlangs * (1 - blocking));
}

/**
 * Offered traffic in Erlangs: arrivals per hour × handle time in hours.
 *
 * @example
 * ```ts
 * trafficErlangs(200, 180); // 200 calls/hour × 180 s = 10 Erlangs
 * ```
 */
export function trafficErlangs(arrivalRatePerHour: number, ahtSeconds: number): number {
  requireFinite(arrivalRatePerHour, 'arrivalRatePerHour', 'a number ≥ 0', arrivalRatePerHour >= 0);
  requireFinite(ahtSeconds, 'ahtSeconds', 'a number > 0', ahtSeconds > 0);
  return (arrivalRatePerHour * ahtSeconds) / 3600;
}

/**
 * Service level: the share of contacts answered within `targetSeconds`,
 * `1 − Pw · e^(−(N − A) · target / AHT)`. 0 when the traffic is at or above the number of agents.
 *
 * @example
 * ```ts
 * serviceLevel(14, 10, 180, 20); // ≈ 0.8862
 * ```
 */
export function serviceLevel(
  agents: number,
  trafficErlangs: number,
  ahtSeconds: number,
  targetSeconds: number,
): number {
  requireFinite(ahtSeconds, 'ahtSeconds', 'a number > 0', ahtSeconds > 0);
  requireFinite(targetSeconds, 'targetSeconds', 'a number ≥ 0', targetSeconds >= 0);
  const waiting = erlangC(agents, trafficErlangs);
  if (trafficErlangs >= agents) return 0;
  const level = 1 - waiting * Math.exp((-(agents - trafficErlangs) * targetSeconds) / ahtSeconds);
  return Math.min(1, Math.max(0, level));
}

/**
 * Average speed of answer in seconds over all contacts (those answered at once count as 0):
 * `Pw · AHT / (N − A)`. `Infinity` when the traffic is at or above the number of agents.
 *
 * @example
 * ```ts
 * averageSpeedOfAnswer(14, 10, 180); // ≈ 7.8 s
 * ```
 */
export function averageSpeedOfAnswer(agents: number, trafficErlangs: number, ahtSeconds: number): number {
  requireFinite(ahtSeconds, 'ahtSeconds', 'a number > 0', ahtSeconds > 0);
  const waiting = erlangC(agents, trafficErlangs);
  if (trafficErlangs >= agents) return Number.POSITIVE_INFINITY;
  return (waiting * ahtSeconds) / (agents - trafficErlangs);
}

/** What {@link agentsNeeded} needs: the load (as traffic or as arrivals per hour) and the target. */
export interface StaffingTarget {
  /** Offered traffic in Erlangs; give this or `arrivalRatePerHour`. */
  readonly trafficErlangs?: number | undefined;
  /** Arrivals per hour; used with `ahtSeconds` when `trafficErlangs` is omitted. */
  readonly arrivalRatePerHour?: number | undefined;
  readonly ahtSeconds: number;
  /** Answer within this many seconds… */
  readonly targetSeconds: number;
  /** …for at least this share of contacts, 0–1 (0.8 for "80/20"). */
  readonly targetServiceLevel: number;
  /** Optional ceiling on occupancy (A / N), 0–1; more agents are added until it is met. */
  readonly maxOccupancy?: number | undefined;
}

/** The figures for one staffing level. */
export interface StaffingEstimate {
  readonly agents: number;
  readonly trafficErlangs: number;
  readonly probabilityOfWaiting: number;
  readonly serviceLevel: number;
  readonly averageSpeedOfAnswerSeconds: number;
  /** Traffic per agent, A / N. */
  readonly occupancy: number;
}

/** Every Erlang C figure for `agents` agents at once. */
export function staffingEstimate(
  agents: number,
  trafficErlangs: number,
  ahtSeconds: number,
  targetSeconds: number,
): StaffingEstimate {
  return {
    agents,
    trafficErlangs,
    probabilityOfWaiting: erlangC(agents, trafficErlangs),
    serviceLevel: serviceLevel(agents, trafficErlangs, ahtSeconds, targetSeconds),
    averageSpeedOfAnswerSeconds: averageSpeedOfAnswer(agents, trafficErlangs, ahtSeconds),
    occupancy: agents === 0 ? 1 : Math.min(1, trafficErlangs / agents),
  };
}

/**
 * The smallest number of agents that answers `targetServiceLevel` of contacts within `targetSeconds`
 * (and keeps occupancy under `maxOccupancy` when given). Runs the Erlang B recursion once upward, so it is
 * linear in the answer.
 *
 * @example
 * ```ts
 * agentsNeeded({ arrivalRatePerHour: 200, ahtSeconds: 180, targetSeconds: 20, targetServiceLevel: 0.8 }); // 14
 * ```
 */
export function agentsNeeded(target: StaffingTarget): number {
  const { ahtSeconds, targetSeconds, targetServiceLevel, maxOccupancy = 1 } = target;
  requireFinite(ahtSeconds, 'ahtSeconds', 'a number > 0', ahtSeconds > 0);
  requireFinite(targetSeconds, 'targetSeconds', 'a number ≥ 0', targetSeconds >= 0);
  requireFinite(
    targetServiceLevel,
    'targetServiceLevel',
    'between 0 and 1 (exclusive of 1)',
    targetServiceLevel >= 0 && targetServiceLevel < 1,
  );
  requireFinite(maxOccupancy, 'maxOccupancy', 'in (0, 1]', maxOccupancy > 0 && maxOccupancy <= 1);
  const traffic =
    target.trafficErlangs ??
    (target.arrivalRatePerHour === undefined
      ? Number.NaN
      : trafficErlangs(target.arrivalRatePerHour, ahtSeconds));
  requireFinite(traffic, 'trafficErlangs', 'a number ≥ 0 (or give arrivalRatePerHour)', traffic >= 0);
  if (traffic === 0) return 0;

  let blocking = 1;
  for (let agents = 1; ; agents++) {
    const carried = traffic * blocking;
    blocking = carried / (agents + carried);
    if (traffic >= agents || traffic / agents > maxOccupancy) continue;
    const waiting = (agents * blocking) / (agents - traffic * (1 - blocking));
    const level = 1 - waiting * Math.exp((-(agents - traffic) * targetSeconds) / ahtSeconds);
    if (level >= targetServiceLevel) return agents;
  }
}

/**
 * Expected wait in seconds of the contact at `position` (1 = next) when every one of `servers` is busy.
 * In the Erlang C model service completions arrive at rate `servers / AHT`, so the contact at position k waits
 * for k completions: `k · AHT / servers`. `undefined` when there is nobody to serve it or no handle time.
 *
 * @example
 * ```ts
 * estimatedWait(3, 6, 240); // 3 × 240 / 6 = 120 s
 * ```
 */
export function estimatedWait(
  position: number,
  servers: number,
  ahtSeconds: number | undefined,
): number | undefined {
  if (ahtSeconds === undefined || !Number.isFinite(ahtSeconds) || servers <= 0) return undefined;
  return (Math.max(0, position) * Math.max(0, ahtSeconds)) / servers;
}
