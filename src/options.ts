/**
 * What every option check shares: the words for a value in a message.
 * Options are never coerced:
 * `clusterSize: '3'` is refused, saying it got the string "3", rather than
 * read as 3 (or worse, as NaN somewhere later).
 */
/** A value as a message shows it, with its type: `the string "3"`, `the number 0`, `NaN`, `an array of 2 items`. */
export function describe (value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Number.isNaN(value)) return 'NaN'
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`
  switch (typeof value) {
    case 'string': return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
    case 'number': case 'boolean': return `the ${typeof value} ${String(value)}`
    case 'bigint': return `the bigint ${String(value)}n`
    case 'symbol': return 'a symbol'
    case 'function': return 'a function'
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `${article(name)} ${name}` : 'an object'
}

const article = (word: string): string => /^[AEIO]/i.test(word) ? 'an' : 'a'

/**
 * `value`, or `fallback` when it is undefined: unlike `??`, a null is kept,
 * so that the check that follows refuses it rather than it standing for "not given".
 */
export const orDefault = <T>(value: T | undefined, fallback: T): T => value === undefined ? fallback : value
