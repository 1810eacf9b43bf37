// A scripted stand-in for the Vonage client, typed from the SDK's own declarations: if Vonage changes a method or
// an event signature, this file stops compiling. Test-only; not exported.
import type { VonageEvent } from '@vonage/client-sdk';
import type { VonageClientPort } from './vonage.types';

type EventName = keyof VonageEvent;
type Method = Exclude<keyof VonageClientPort, 'on' | 'off'>;

/** One call the provider made on the client. */
export interface FakeCallRecord {
  readonly method: Method;
  readonly args: readonly unknown[];
}

/** An error shaped like the SDK's `VonageError` (`type` and `code`). */
export function fakeVonageError(type: string, code: string): Error {
  return Object.assign(new Error(`${type} ${code}`), { name: 'VonageError', type, code });
}

/** A fake Vonage client: records calls, emits events on demand, fails a method once when told. */
export class FakeVonageClient implements VonageClientPort {
  readonly calls: FakeCallRecord[] = [];
  private readonly handlers = new Map<EventName, Map<symbol, (...args: never[]) => void>>();
  private readonly failures = new Map<Method, unknown[]>();
  private nextCallId = 1;
  /** Lets a test hold `serverCall` open (to emit events before it resolves). */
  serverCallGate: Promise<void> | undefined;

  /** Makes the next call of `method` reject with `error`. */
  failNext(method: Method, error: unknown): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** Calls of one method, oldest first. */
  callsOf(method: Method): (readonly unknown[])[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  /** How many listeners are registered for `event`. */
  listenerCount(event: EventName): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  /** Emits a Vonage event with the SDK's own parameter types. */
  emit<T extends EventName>(event: T, ...args: Parameters<VonageEvent[T]>): void {
    for (const handler of this.handlers.get(event)?.values() ?? []) {
      (handler as (...values: Parameters<VonageEvent[T]>) => void)(...args);
    }
  }

  on<T extends EventName, P extends VonageEvent[T]>(event: T, callback: P): symbol {
    const symbol = Symbol(event);
    const own = this.handlers.get(event) ?? new Map<symbol, (...args: never[]) => void>();
    own.set(symbol, callback as unknown as (...args: never[]) => void);
    this.handlers.set(event, own);
    return symbol;
  }

  off<T extends EventName>(event: T, callbackSymbol: symbol): boolean {
    return this.handlers.get(event)?.delete(callbackSymbol) ?? false;
  }

  private async record(method: Method, args: readonly unknown[]): Promise<void> {
    this.calls.push({ method, args });
    const failure = this.failures.get(method)?.shift();
    if (failure !== undefined) throw failure;
  }

  async createSession(token: string, sessionId?: string | null): Promise<string> {
    await this.record('createSession', [token, sessionId]);
    return 'session-1';
  }

  async refreshSession(token: string): Promise<void> {
    await this.record('refreshSession', [token]);
  }

  async deleteSession(): Promise<void> {
    await this.record('deleteSession', []);
  }

  async serverCall(context?: Parameters<VonageClientPort['serverCall']>[0]): Promise<string> {
    await this.record('serverCall', [context]);
    await this.serverCallGate;
    return `call-${this.nextCallId++}`;
  }

  async answer(callId: string): Promise<void> {
    await this.record('answer', [callId]);
  }

  async reject(callId: string): Promise<void> {
    await this.record('reject', [callId]);
  }

  async hangup(callId: string, reasonText?: string, reasonCode?: string): Promise<void> {
    await this.record('hangup', [callId, reasonText, reasonCode]);
  }

  async mute(callId: string): Promise<void> {
    await this.record('mute', [callId]);
  }

  async unmute(callId: string): Promise<void> {
    await this.record('unmute', [callId]);
  }

  async sendDTMF(callId: string, digits: string): Promise<void> {
    await this.record('sendDTMF', [callId, digits]);
  }

  async reconnectCall(legId: string): Promise<void> {
    await this.record('reconnectCall', [legId]);
  }
}
