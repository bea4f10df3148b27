/** A valid configuration for tests that build records by hand. */
import type { Configuration } from '../../src/paxos/configuration.js'
import type { NodeId } from '../../src/paxos/proposal.js'

/** Version 1 of cluster `test` with `voters` (sorted here), each a voter since version 1. */
export function testConfig (voters: readonly NodeId[] = ['a']): Configuration {
  return {
    version: 1,
    clusterId: 'test',
    voters: [...voters].sort().map(id => ({ id, since: 1 })),
    target: voters.length,
    leaseMs: 1000,
    heartbeatMs: 200,
    maxDriftRatio: 0.01
  }
}
