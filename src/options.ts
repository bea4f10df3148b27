/**
 * What every option check shares: the words for a value in a message, and
 * the refusal of option names that are not known. Options are never coerced:
 * `clusterSize: '3'` is refused, saying it got the string "3", rather than
 * read as 3 (or worse, as NaN somewhere later).
 */
import { ConfigError } from './errors.js'

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

/**
 * Throws a ConfigError for the first own key of `options` that is not in
 * `known`: a misspelt option would otherwise be ignored and its default used
 * in silence. It suggests the nearest known name (or one of `refused`, whose
 * text then says what to do instead). A key of `refused` is refused with that text.
 */
export function checkOptionKeys (options: object, known: readonly string[], where: string, refused: Readonly<Record<string, string>> = {}): void {
  const knownSet = new Set(known)
  for (const key of Object.keys(options)) {
    if (knownSet.has(key)) continue
    if (Object.hasOwn(refused, key)) throw new ConfigError(key, `is not an option of ${where}: ${refused[key]!}`)
    const near = nearest(key, [...known, ...Object.keys(refused)])
    const hint = near === null
      ? `the options are ${known.join(', ')}`
      : Object.hasOwn(refused, near) ? `did you mean ${near}? It is not an option of ${where} either: ${refused[near]!}` : `did you mean ${near}?`
    throw new ConfigError(key, `is not an option of ${where}; ${hint}`)
  }
}

/** The candidate nearest to `name` (ignoring case), if it is near enough to be a slip: at most a third of its letters off, and 2 for short names. */
export function nearest (name: string, candidates: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  return best
}

/** Levenshtein distance: the fewest single-letter insertions, deletions and substitutions from `a` to `b`. */
export function editDistance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}
