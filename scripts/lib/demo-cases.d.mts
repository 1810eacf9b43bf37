/** Dana's visitor id and name: the same person on every visit. */
export declare const RETURNING_VISITOR: { readonly id: string; readonly name: string };

/** The case Dana left open: its subject, priority, tags and internal note. */
export declare const RETURNING_CASE: {
  readonly subject: string;
  readonly priority: 'low' | 'normal' | 'high' | 'urgent';
  readonly tags: readonly string[];
  readonly note: string;
};

/**
 * Seeds the returning customer into a running demo server (`startServer`'s result): her first chat in Support, an
 * open case from it with an internal note. Does nothing (undefined) when she already has an open case.
 */
export declare function seedReturningCustomer(
  helpline: unknown,
  options?: { readonly site?: string; readonly supervisorId?: string },
): Promise<{ readonly caseId: string; readonly customerId: string } | undefined>;
