// Types of consumer-check.mjs for the TypeScript that imports it (its test).

/** The published packages' folders under packages/, dependencies first. */
export declare const PUBLISHED: readonly string[];
/** Links in a README that npm cannot follow: relative paths to files that are not in the tarball. */
export declare function linksOutsidePackage(markdown: string, filesInTarball: readonly string[]): string[];
/** Export subpaths of `packages/<dir>` whose sources are not in its typedoc.json entry points. */
export declare function undocumentedEntries(dir: string): string[];
/** Runs the consumer check; results as the test runner's tally counts them. */
export declare function runConsumerCheck(): Promise<{
  passed: number;
  failed: number;
  skipped: number;
  failedTests: string[];
  skippedTests: string[];
  note?: string;
}>;
