/**
 * What the upstream patches in this folder share. Each reaches into private
 * fields of a libp2p package, so each:
 *
 * - names the versions it was checked against (`CHECKED_AGAINST`), which
 *   package.json pins exactly and a test compares with the installed ones;
 * - checks the shape it expects before changing anything, and when the shape
 *   is not there changes nothing, reports it here (an error, once per logger)
 *   and returns false; it never throws into the host;
 * - returns whether it applied, which its caller checks.
 */
import type { Logger } from '@libp2p/interface'

/** Where a patch reports an unexpected shape: a libp2p logger (only its `error` is used). */
export type PatchLog = Pick<Logger, 'error'>

/** Package name → the exact version a patch was checked against. */
export type CheckedAgainst = Readonly<Record<string, string>>

/**
 * A reporter for the patch `name`: the first time it is called with a given
 * log, it logs an error there saying what was found instead of the expected
 * shape; later calls with the same log are silent, since a patch runs on every
 * stream or connection and one message says it all.
 */
export function shapeReporter (name: string, checkedAgainst: CheckedAgainst): (log: PatchLog, found: string) => void {
  const reported = new WeakSet<PatchLog>()
  const versions = Object.entries(checkedAgainst).map(([pkg, version]) => `${pkg} ${version}`).join(', ')
  return (log, found) => {
    if (reported.has(log)) return
    reported.add(log)
    log.error('upstream patch %s not applied: %s (it was checked against %s); left as upstream made it', name, found, versions)
  }
}
