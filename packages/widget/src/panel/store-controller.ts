import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ReadableAtom } from 'nanostores';

/**
 * The one bridge from core's nanostores to Lit: subscribes while the host is connected and re-renders it on
 * every change.
 *
 * @example
 * ```ts
 * class Banner extends LitElement {
 *   #connection = new StoreController(this, session.$connection);
 *   render() { return html`${this.#connection.value.value}`; }
 * }
 * ```
 */
export class StoreController<T> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #store: ReadableAtom<T>;
  #unsubscribe: (() => void) | undefined;

  constructor(host: ReactiveControllerHost, store: ReadableAtom<T>) {
    this.#host = host;
    this.#store = store;
    host.addController(this);
  }

  /** The store's current value. */
  get value(): T {
    return this.#store.get();
  }

  hostConnected(): void {
    // `listen` (not `subscribe`): the first render reads `value` itself, so no extra update is needed.
    this.#unsubscribe = this.#store.listen(() => this.#host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
