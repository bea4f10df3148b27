/** Records and configurations for tests that build them by hand. */
import type { Configuration } from '../../src/paxos/configuration.js'
import type { Epoch, LeaderRecord, NodeId } from '../../src/paxos/proposal.js'

/** Version 1 of cluster `test` with `voters` (sorted here), each a voter since version 1; `overrides` replace fields. */
export function testConfig (voters: readonly NodeId[] = ['a'], overrides: Partial<Configuration> = {}): Configuration {
  return {
    version: 1,
    clusterId: 'test',
    voters: [...voters].sort().map(id => ({ id, since: 1 })),
    target: voters.length,
    leaseMs: 1000,
    heartbeatMs: 200,
    maxDriftRatio: 0.01,
    ...overrides
  }
}

/** A record of `epoch` led by `leaderId`, with `config` (default: testConfig of `voters`, default [leaderId]). */
export function record (epoch: Epoch, leaderId: NodeId, opts: { voters?: readonly NodeId[], metadata?: Readonly<Record<string, string>>, config?: Configuration } = {}): LeaderRecord {
  return { epoch, leaderId, metadata: opts.metadata ?? {}, config: opts.config ?? testConfig(opts.voters ?? [leaderId]) }
}
