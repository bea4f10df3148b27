/**
 * The deterministic simulator's entry point, split as TigerBeetle's VOPR is:
 * seed-derived options (options.ts), the network (network.ts), the disk
 * (disk.ts), the cluster that drives the nodes (cluster.ts) and one checker
 * per property (checker.ts, checkers/*.ts).
 */
import { Cluster, type ClusterHooks, type SimResult } from './cluster.js'
import type { Property } from './checker.js'
import { optionsForSeed, type Driver, type SimOptions } from './options.js'

export type { NodeFactory, ClusterHooks, SimResult, SimStats } from './cluster.js'
export { livenessBoundMs, optionsForSeed, type Driver, type SimOptions } from './options.js'

export interface SimulateOptions extends ClusterHooks {
  readonly trace?: boolean
  /** Replaces the seed-derived options. */
  readonly options?: SimOptions
  /** Forces every run onto one driver (the seed picks one otherwise). */
  readonly driver?: Driver
  /** Properties not to check (to show that another one catches a variant too). */
  readonly disable?: readonly Property[]
}

export async function simulate (seed: number, opts: SimulateOptions = {}): Promise<SimResult> {
  let options = opts.options ?? optionsForSeed(seed)
  if (opts.driver !== undefined) options = { ...options, driver: opts.driver }
  return await new Cluster(seed, options, opts, { trace: opts.trace, disable: opts.disable }).run()
}
