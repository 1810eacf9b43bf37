import { isDatabaseError } from './sql.errors';

/**
 * Cluster mode: the lease every write of the hub's state must still hold (docs/decisions/0005). A write checks it
 * with `helpline_fence(lease, epoch)` (migration 11) inside its own statement or transaction, in the same round
 * trip as the write or its `BEGIN`: the function reads the lease row `FOR SHARE`, which holds off the next leader's
 * takeover until the write commits, and raises when another instance has won the lease since.
 */
export interface StorageFence {
  /** The lease's name in `helpline_leases`. */
  readonly lease: string;
  /** The epoch this instance holds now; `undefined` when it holds none, and then the write is refused unsent. */
  epoch(): number | undefined;
  /**
   * What a write rejects with when it is refused: `epoch` is the one it was made under (`undefined`: none was
   * held), `detail` what the database said.
   */
  refused(epoch: number | undefined, detail: string): Error;
}

/** The SQLSTATE `helpline_fence` raises (class HL: Helpline's own). */
export const FENCE_SQLSTATE = 'HL409';

/** The fence's check as a statement without parameters: the prelude of a fenced transaction. */
export function fenceStatement(lease: string, epoch: number): string {
  if (!Number.isSafeInteger(epoch)) throw new Error(`lease epoch ${epoch} is not an integer`);
  return `SELECT helpline_fence('${lease.replaceAll("'", "''")}', ${epoch})`;
}

/**
 * Runs `write` under `fence`: refused at once when no epoch is held; a write the database refuses
 * (`helpline_fence` raised) rejects with `fence.refused`. `write` gets the epoch to check.
 */
export async function underFence<T>(fence: StorageFence, write: (epoch: number) => Promise<T>): Promise<T> {
  const epoch = fence.epoch();
  if (epoch === undefined) throw fence.refused(undefined, 'this instance holds no lease');
  try {
    return await write(epoch);
  } catch (error) {
    if (isDatabaseError(error) && error.code === FENCE_SQLSTATE) throw fence.refused(epoch, error.message);
    throw error;
  }
}

/** The SQL of migration 11: the fence as a function, so a write can call it in its own statement. */
export const FENCE_FUNCTION_SQL = `
-- Cluster mode's fence (docs/decisions/0005): a write of the leader's calls it first, in its own statement or
-- transaction. FOR SHARE holds off a takeover's epoch raise until the write commits; a raise that committed first
-- is seen (READ COMMITTED re-reads a row changed while it waited), and the write fails with SQLSTATE HL409.
CREATE FUNCTION helpline_fence(lease_name text, held_epoch bigint) RETURNS boolean
LANGUAGE plpgsql AS $fence$
DECLARE
  current_epoch bigint;
BEGIN
  SELECT epoch INTO current_epoch FROM helpline_leases WHERE name = lease_name FOR SHARE;
  IF current_epoch IS DISTINCT FROM held_epoch THEN
    RAISE EXCEPTION 'lease % is at epoch %, not %', lease_name, coalesce(current_epoch::text, 'none'), held_epoch
      USING ERRCODE = '${FENCE_SQLSTATE}';
  END IF;
  RETURN true;
END
$fence$;
`;
