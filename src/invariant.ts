/**
 * Safety invariants are asserted where they are enforced, as TigerBeetle's
 * style asks: a broken one is a bug in Quorum, never a fault of the network
 * or the operator, and nothing may carry on after it. `invariant` throws a
 * SafetyViolationError naming it. Under tests and the simulator that throw is
 * the failure; in production NodeRunner catches it, stops the node and
 * reports the error as its `error` event (see src/node/runner.ts).
 */
import { SafetyViolationError } from './errors.js'

/** The invariants asserted at run time, by the name a SafetyViolationError carries. */
export type InvariantName =
  | 'promise-never-decreases'
  | 'accept-at-or-above-promise'
  | 'chosen-never-changes'
  | 'epochs-learned-in-order'
  | 'lease-within-bound'
  | 'quorum-of-distinct-voters'
  | 'legal-role-change'
  | 'one-voter-per-change'
  | 'lease-counted-by-voters'

/**
 * Throws SafetyViolationError(`name`, detail) unless `condition` holds. The
 * detail is a function, called only on failure. On a path taken per message,
 * write `if (!condition) violated(name, …)` instead: a closure would be
 * allocated at every call, and a template string built.
 */
export function invariant (condition: boolean, name: InvariantName, detail: () => string): asserts condition {
  if (!condition) violated(name, detail())
}

/** Throws SafetyViolationError(`name`, `detail`): the failure branch of an invariant. */
export function violated (name: InvariantName, detail: string): never {
  throw new SafetyViolationError(name, detail)
}
