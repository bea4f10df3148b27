/** Helpers for the tests that hold a sync open (file-sync and durable-sync). */
import { expect } from 'vitest'

/** Lets real I/O and promise chains run: many turns of the event loop and a few milliseconds. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
  await new Promise(resolve => setTimeout(resolve, 20))
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
}

/** Waits until exactly one sync is held, and takes it from `held` (still held). */
export async function nextHeld<H> (held: H[]): Promise<H> {
  for (let i = 0; i < 500 && held.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 2))
  expect(held.length).toBe(1)
  return held.shift()!
}

/** A promise and whether it has settled yet. */
export function tracked<T> (p: Promise<T>): { readonly done: boolean, readonly promise: Promise<T> } {
  const t = { done: false, promise: p }
  p.then(() => { t.done = true }, () => { t.done = true })
  return t
}
