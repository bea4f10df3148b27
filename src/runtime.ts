/**
 * Quorum runs on Node.js 22 or later: libp2p 3 uses Promise.withResolvers and
 * other APIs that older versions lack, and there it fails only once a node
 * starts, deep inside, with "Promise.withResolvers is not a function". This
 * module is the first import of every entry point (index.ts, core.ts, cli.ts);
 * ES modules are evaluated in the order they are imported, so on an older
 * Node.js the import itself throws an UnsupportedRuntimeError that says what
 * is wrong, before libp2p is evaluated. It must stay light: it imports only
 * the errors, which import nothing at run time.
 */
import { UnsupportedRuntimeError } from './errors.js'

/** The oldest major version of Node.js that Quorum runs on (package.json's `engines`). */
export const MIN_NODE_MAJOR = 22

/**
 * Throws an UnsupportedRuntimeError unless `version` (by default this
 * process's Node.js; null where there is none) is at least MIN_NODE_MAJOR.
 */
export function checkRuntime (version: string | null = globalThis.process?.versions?.node ?? null): void {
  const major = Number(version?.split('.')[0])
  if (!(major >= MIN_NODE_MAJOR)) throw new UnsupportedRuntimeError(version ?? 'not Node.js', `${MIN_NODE_MAJOR} or later`)
}

checkRuntime()
