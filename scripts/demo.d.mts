/** The demo's addresses. */
export interface DemoUrls {
  readonly landing: string;
  readonly website: string;
  readonly crm: string;
  readonly supervisor: string;
  readonly assets: string;
  readonly server: string;
  /** The demo mailbox page (with `mail` only): the replies sent to customers, and forms to write as one. */
  readonly mailbox?: string;
}

/** A running demo. */
export interface Demo {
  readonly urls: DemoUrls;
  /** The Helpline server (a `HelplineServer` of @helpline/server); undefined with `serverUrl`. */
  readonly server: unknown;
  /** Stops the static server and the Helpline server it started. */
  stop(): Promise<void>;
}

/** Options of {@link startDemo}. */
export interface DemoOptions {
  /** Port of the examples; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Port of the Helpline server; 0 picks a free one. Default 8787. */
  readonly serverPort?: number;
  /** The embedded database's folder. Default `.helpline-data/demo`. */
  readonly dataDir?: string;
  /** Replaces the server's demo configuration (a `ConfigInput`). */
  readonly config?: unknown;
  /** The server's logger; default silent. */
  readonly logger?: unknown;
  /** More folders for the examples' server, by URL prefix (`{ '/closed/': dir }`). */
  readonly mounts?: Readonly<Record<string, string>>;
  /**
   * The demo's email: the server's SMTP ingress on `ingressPort` feeding the support queue, replies caught by the demo
   * mailbox (an SMTP server on `catcherPort`, default any free port) and listed on its page (`pagePort`, default any).
   */
  readonly mail?: { readonly ingressPort: number; readonly catcherPort?: number; readonly pagePort?: number };
  /**
   * Seeds the returning customer Dana Whitfield, with an open case in Support (scripts/lib/demo-cases.mjs); the shop
   * page's "Returning customer (Dana)" button signs the browser in as her. Default false.
   */
  readonly returningCustomer?: boolean;
  /**
   * Seeds a year of past contacts and agents' shifts, once per data directory, so the supervisor's reports show last
   * month at once (scripts/lib/demo-history.mjs). Default false.
   */
  readonly history?: boolean;
  /**
   * A server already running (`http://127.0.0.1:8000`: several instances behind a balancer, docs/cluster.md): the
   * pages talk to it and no server is started — `serverPort`, `dataDir`, `config`, `mail`, `returningCustomer` and
   * `history` do not apply.
   */
  readonly serverUrl?: string;
  /** Bundle the React examples first. Default true. */
  readonly buildApps?: boolean;
}

/** Bundles the React examples into examples/.build. */
export function buildExamples(options?: { readonly log?: boolean }): Promise<void>;

/** Starts the server in dev mode (unless `serverUrl` names one) and the examples; resolves with the URLs and `stop()`. */
export function startDemo(options?: DemoOptions): Promise<Demo>;
