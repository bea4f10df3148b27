import { expect } from 'vitest'
import type { QuorumError } from '../../src/errors.js'

/** Awaits `p`, which must reject with a `type` whose name and code are the ones given; returns that error. */
export async function rejection<E extends QuorumError> (p: Promise<unknown>, type: abstract new (...args: never[]) => E, name: string, code: string): Promise<E> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(type)
    expect(err).toMatchObject({ name, code })
    return err as E
  }
  throw new Error(`expected a ${name}`)
}
