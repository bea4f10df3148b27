import { decodeMessage, encodeMessage, enumeration, MaxLengthError, MaxSizeError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Ballot {
  round: bigint
  nodeId: string
}

export namespace Ballot {
  let _codec: Codec<Ballot>

  export const codec = (): Codec<Ballot> => {
    if (_codec == null) {
      _codec = message<Ballot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.round != null && obj.round !== 0n)) {
          w.uint32(8)
          w.uint64(obj.round)
        }

        if ((obj.nodeId != null && obj.nodeId !== '')) {
          w.uint32(18)
          w.string(obj.nodeId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          round: 0n,
          nodeId: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.round = reader.uint64()
              break
            }
            case 2: {
              obj.nodeId = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.round`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nodeId`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BallotRoundFieldEvent {
    field: '$.round'
    value: bigint
  }

  export interface BallotNodeIdFieldEvent {
    field: '$.nodeId'
    value: string
  }

  export function encode (obj: Partial<Ballot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ballot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ballot>): Ballot {
    return decodeMessage(buf, Ballot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ballot>): Generator<BallotRoundFieldEvent | BallotNodeIdFieldEvent> {
    return streamMessage(buf, Ballot.codec(), opts)
  }
}

export interface Member {
  id: string
  since: bigint
}

export namespace Member {
  let _codec: Codec<Member>

  export const codec = (): Codec<Member> => {
    if (_codec == null) {
      _codec = message<Member>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(16)
          w.uint64(obj.since)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          since: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.since = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MemberIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface MemberSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export function encode (obj: Partial<Member>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Member.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Member>): Member {
    return decodeMessage(buf, Member.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Member>): Generator<MemberIdFieldEvent | MemberSinceFieldEvent> {
    return streamMessage(buf, Member.codec(), opts)
  }
}

export interface Configuration {
  version: bigint
  clusterId: string
  voters: Member[]
  target: number
  leaseMs: number
  heartbeatMs: number
  maxDriftRatio: number
}

export namespace Configuration {
  let _codec: Codec<Configuration>

  export const codec = (): Codec<Configuration> => {
    if (_codec == null) {
      _codec = message<Configuration>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(8)
          w.uint64(obj.version)
        }

        if ((obj.clusterId != null && obj.clusterId !== '')) {
          w.uint32(18)
          w.string(obj.clusterId)
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(26)
            Member.codec().encode(value, w)
          }
        }

        if ((obj.target != null && obj.target !== 0)) {
          w.uint32(32)
          w.uint32(obj.target)
        }

        if ((obj.leaseMs != null && obj.leaseMs !== 0)) {
          w.uint32(41)
          w.double(obj.leaseMs)
        }

        if ((obj.heartbeatMs != null && obj.heartbeatMs !== 0)) {
          w.uint32(49)
          w.double(obj.heartbeatMs)
        }

        if ((obj.maxDriftRatio != null && obj.maxDriftRatio !== 0)) {
          w.uint32(57)
          w.double(obj.maxDriftRatio)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0n,
          clusterId: '',
          voters: [],
          target: 0,
          leaseMs: 0,
          heartbeatMs: 0,
          maxDriftRatio: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint64()
              break
            }
            case 2: {
              obj.clusterId = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(Member.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.voters$
              }))
              break
            }
            case 4: {
              obj.target = reader.uint32()
              break
            }
            case 5: {
              obj.leaseMs = reader.double()
              break
            }
            case 6: {
              obj.heartbeatMs = reader.double()
              break
            }
            case 7: {
              obj.maxDriftRatio = reader.double()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          voters: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.clusterId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              for (const evt of Member.codec().stream(reader, reader.uint32(), `${prefix}.voters[]`, {
                limits: opts.limits?.voters$
              })) {
                yield {
                  ...evt,
                  index: obj.voters
                }
              }

              obj.voters++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.target`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.leaseMs`,
                value: reader.double()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.heartbeatMs`,
                value: reader.double()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.maxDriftRatio`,
                value: reader.double()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ConfigurationVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ConfigurationClusterIdFieldEvent {
    field: '$.clusterId'
    value: string
  }

  export interface ConfigurationVotersIdFieldEvent {
    field: '$.voters[].id'
    value: string
    index: number
  }

  export interface ConfigurationVotersSinceFieldEvent {
    field: '$.voters[].since'
    value: bigint
    index: number
  }

  export interface ConfigurationTargetFieldEvent {
    field: '$.target'
    value: number
  }

  export interface ConfigurationLeaseMsFieldEvent {
    field: '$.leaseMs'
    value: number
  }

  export interface ConfigurationHeartbeatMsFieldEvent {
    field: '$.heartbeatMs'
    value: number
  }

  export interface ConfigurationMaxDriftRatioFieldEvent {
    field: '$.maxDriftRatio'
    value: number
  }

  export function encode (obj: Partial<Configuration>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Configuration.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Configuration>): Configuration {
    return decodeMessage(buf, Configuration.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Configuration>): Generator<ConfigurationVersionFieldEvent | ConfigurationClusterIdFieldEvent | ConfigurationVotersIdFieldEvent | ConfigurationVotersSinceFieldEvent | ConfigurationTargetFieldEvent | ConfigurationLeaseMsFieldEvent | ConfigurationHeartbeatMsFieldEvent | ConfigurationMaxDriftRatioFieldEvent> {
    return streamMessage(buf, Configuration.codec(), opts)
  }
}

export interface LeaderRecord {
  epoch: bigint
  leaderId: string
  metadata: Map<string, string>
  config?: Configuration
}

export namespace LeaderRecord {
  export interface LeaderRecord$metadataEntry {
    key: string
    value: string
  }

  export namespace LeaderRecord$metadataEntry {
    let _codec: Codec<LeaderRecord$metadataEntry>

    export const codec = (): Codec<LeaderRecord$metadataEntry> => {
      if (_codec == null) {
        _codec = message<LeaderRecord$metadataEntry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.key != null && obj.key !== '')) {
            w.uint32(10)
            w.string(obj.key)
          }

          if ((obj.value != null && obj.value !== '')) {
            w.uint32(18)
            w.string(obj.value)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            key: '',
            value: ''
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.key = reader.string()
                break
              }
              case 2: {
                obj.value = reader.string()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.key`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.value`,
                  value: reader.string()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface LeaderRecord$metadataEntryKeyFieldEvent {
      field: '$.key'
      value: string
    }

    export interface LeaderRecord$metadataEntryValueFieldEvent {
      field: '$.value'
      value: string
    }

    export function encode (obj: Partial<LeaderRecord$metadataEntry>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, LeaderRecord$metadataEntry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord$metadataEntry>): LeaderRecord$metadataEntry {
      return decodeMessage(buf, LeaderRecord$metadataEntry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord$metadataEntry>): Generator<LeaderRecord$metadataEntryKeyFieldEvent | LeaderRecord$metadataEntryValueFieldEvent> {
      return streamMessage(buf, LeaderRecord$metadataEntry.codec(), opts)
    }
  }

  let _codec: Codec<LeaderRecord>

  export const codec = (): Codec<LeaderRecord> => {
    if (_codec == null) {
      _codec = message<LeaderRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(8)
          w.uint64(obj.epoch)
        }

        if ((obj.leaderId != null && obj.leaderId !== '')) {
          w.uint32(18)
          w.string(obj.leaderId)
        }

        if (obj.metadata != null && obj.metadata.size > 0) {
          for (const [key, value] of obj.metadata.entries()) {
            w.uint32(26)
            LeaderRecord.LeaderRecord$metadataEntry.codec().encode({ key, value }, w)
          }
        }

        if (obj.config != null) {
          w.uint32(34)
          Configuration.codec().encode(obj.config, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0n,
          leaderId: '',
          metadata: new Map<string, string>()
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.uint64()
              break
            }
            case 2: {
              obj.leaderId = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.metadata != null && obj.metadata.size === opts.limits.metadata) {
                throw new MaxSizeError('Decode error - map field "metadata" had too many elements')
              }

              const entry = LeaderRecord.LeaderRecord$metadataEntry.codec().decode(reader, reader.uint32(), {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })
              obj.metadata.set(entry.key, entry.value)
              break
            }
            case 4: {
              obj.config = Configuration.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.config
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          metadata: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.leaderId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.metadata != null && obj.metadata === opts.limits.metadata) {
                throw new MaxLengthError('Decode error - map field "metadata" had too many elements')
              }

              yield * LeaderRecord.LeaderRecord$metadataEntry.codec().stream(reader, reader.uint32(), `${prefix}.metadata{}`, {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })

              obj.metadata++

              break
            }
            case 4: {
              yield * Configuration.codec().stream(reader, reader.uint32(), `${prefix}.config`, {
                limits: opts.limits?.config
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface LeaderRecordEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface LeaderRecordLeaderIdFieldEvent {
    field: '$.leaderId'
    value: string
  }

  export interface LeaderRecordMetadataFieldEvent {
    field: '$.metadata{}'
    key: string
    value: string
  }

  export interface LeaderRecordConfigVersionFieldEvent {
    field: '$.config.version'
    value: bigint
  }

  export interface LeaderRecordConfigClusterIdFieldEvent {
    field: '$.config.clusterId'
    value: string
  }

  export interface LeaderRecordConfigVotersIdFieldEvent {
    field: '$.config.voters[].id'
    value: string
    index: number
  }

  export interface LeaderRecordConfigVotersSinceFieldEvent {
    field: '$.config.voters[].since'
    value: bigint
    index: number
  }

  export interface LeaderRecordConfigTargetFieldEvent {
    field: '$.config.target'
    value: number
  }

  export interface LeaderRecordConfigLeaseMsFieldEvent {
    field: '$.config.leaseMs'
    value: number
  }

  export interface LeaderRecordConfigHeartbeatMsFieldEvent {
    field: '$.config.heartbeatMs'
    value: number
  }

  export interface LeaderRecordConfigMaxDriftRatioFieldEvent {
    field: '$.config.maxDriftRatio'
    value: number
  }

  export function encode (obj: Partial<LeaderRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaderRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord>): LeaderRecord {
    return decodeMessage(buf, LeaderRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord>): Generator<LeaderRecordEpochFieldEvent | LeaderRecordLeaderIdFieldEvent | LeaderRecordMetadataFieldEvent | LeaderRecordConfigVersionFieldEvent | LeaderRecordConfigClusterIdFieldEvent | LeaderRecordConfigVotersIdFieldEvent | LeaderRecordConfigVotersSinceFieldEvent | LeaderRecordConfigTargetFieldEvent | LeaderRecordConfigLeaseMsFieldEvent | LeaderRecordConfigHeartbeatMsFieldEvent | LeaderRecordConfigMaxDriftRatioFieldEvent> {
    return streamMessage(buf, LeaderRecord.codec(), opts)
  }
}

export interface Frame {
  type: Frame.Type
  epoch: bigint
  ballot?: Ballot
  acceptedBallot?: Ballot
  value?: LeaderRecord
  promised?: Ballot
  chosenEpoch: bigint
  reason: Frame.NackReason
  seq: bigint
  successor: string
  lease: boolean
  ackListed: boolean
  ackFrom: string[]
  observer: boolean
  ready: boolean
  leaving: boolean
  rejoin: boolean
  reports: PresenceReport[]
  metadata: Map<string, string>
  priority: number
}

export namespace Frame {
  export enum Type {
    UNKNOWN = 'UNKNOWN',
    PREPARE = 'PREPARE',
    PROMISE = 'PROMISE',
    ACCEPT = 'ACCEPT',
    ACCEPTED = 'ACCEPTED',
    NACK = 'NACK',
    CHOSEN = 'CHOSEN',
    HEARTBEAT = 'HEARTBEAT',
    HEARTBEAT_ACK = 'HEARTBEAT_ACK',
    RESIGN = 'RESIGN',
    STATUS_REQUEST = 'STATUS_REQUEST',
    STATUS_REPLY = 'STATUS_REPLY',
    PRESENCE = 'PRESENCE',
    PRESENCE_DIGEST = 'PRESENCE_DIGEST'
  }

  enum __TypeValues {
    UNKNOWN = 0,
    PREPARE = 1,
    PROMISE = 2,
    ACCEPT = 3,
    ACCEPTED = 4,
    NACK = 5,
    CHOSEN = 6,
    HEARTBEAT = 7,
    HEARTBEAT_ACK = 8,
    RESIGN = 9,
    STATUS_REQUEST = 10,
    STATUS_REPLY = 11,
    PRESENCE = 12,
    PRESENCE_DIGEST = 13
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  export enum NackReason {
    PROMISED = 'PROMISED',
    LEASE = 'LEASE',
    QUARANTINE = 'QUARANTINE',
    STALE = 'STALE',
    MEMBERSHIP = 'MEMBERSHIP',
    CONFIG = 'CONFIG'
  }

  enum __NackReasonValues {
    PROMISED = 0,
    LEASE = 1,
    QUARANTINE = 2,
    STALE = 3,
    MEMBERSHIP = 4,
    CONFIG = 5
  }

  export namespace NackReason {
    export const codec = (): Codec<NackReason> => {
      return enumeration<NackReason>(__NackReasonValues)
    }
  }

  export interface Frame$metadataEntry {
    key: string
    value: string
  }

  export namespace Frame$metadataEntry {
    let _codec: Codec<Frame$metadataEntry>

    export const codec = (): Codec<Frame$metadataEntry> => {
      if (_codec == null) {
        _codec = message<Frame$metadataEntry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.key != null && obj.key !== '')) {
            w.uint32(10)
            w.string(obj.key)
          }

          if ((obj.value != null && obj.value !== '')) {
            w.uint32(18)
            w.string(obj.value)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            key: '',
            value: ''
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.key = reader.string()
                break
              }
              case 2: {
                obj.value = reader.string()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.key`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.value`,
                  value: reader.string()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface Frame$metadataEntryKeyFieldEvent {
      field: '$.key'
      value: string
    }

    export interface Frame$metadataEntryValueFieldEvent {
      field: '$.value'
      value: string
    }

    export function encode (obj: Partial<Frame$metadataEntry>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Frame$metadataEntry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame$metadataEntry>): Frame$metadataEntry {
      return decodeMessage(buf, Frame$metadataEntry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame$metadataEntry>): Generator<Frame$metadataEntryKeyFieldEvent | Frame$metadataEntryValueFieldEvent> {
      return streamMessage(buf, Frame$metadataEntry.codec(), opts)
    }
  }

  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __TypeValues[obj.type] !== 0) {
          w.uint32(8)
          Frame.Type.codec().encode(obj.type, w)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(16)
          w.uint64(obj.epoch)
        }

        if (obj.ballot != null) {
          w.uint32(26)
          Ballot.codec().encode(obj.ballot, w)
        }

        if (obj.acceptedBallot != null) {
          w.uint32(34)
          Ballot.codec().encode(obj.acceptedBallot, w)
        }

        if (obj.value != null) {
          w.uint32(42)
          LeaderRecord.codec().encode(obj.value, w)
        }

        if (obj.promised != null) {
          w.uint32(50)
          Ballot.codec().encode(obj.promised, w)
        }

        if ((obj.chosenEpoch != null && obj.chosenEpoch !== 0n)) {
          w.uint32(56)
          w.uint64(obj.chosenEpoch)
        }

        if (obj.reason != null && __NackReasonValues[obj.reason] !== 0) {
          w.uint32(64)
          Frame.NackReason.codec().encode(obj.reason, w)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(72)
          w.uint64(obj.seq)
        }

        if ((obj.successor != null && obj.successor !== '')) {
          w.uint32(82)
          w.string(obj.successor)
        }

        if ((obj.lease != null && obj.lease !== false)) {
          w.uint32(88)
          w.bool(obj.lease)
        }

        if ((obj.ackListed != null && obj.ackListed !== false)) {
          w.uint32(96)
          w.bool(obj.ackListed)
        }

        if (obj.ackFrom != null && obj.ackFrom.length > 0) {
          for (const value of obj.ackFrom) {
            w.uint32(106)
            w.string(value)
          }
        }

        if ((obj.observer != null && obj.observer !== false)) {
          w.uint32(112)
          w.bool(obj.observer)
        }

        if ((obj.ready != null && obj.ready !== false)) {
          w.uint32(120)
          w.bool(obj.ready)
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(128)
          w.bool(obj.leaving)
        }

        if ((obj.rejoin != null && obj.rejoin !== false)) {
          w.uint32(136)
          w.bool(obj.rejoin)
        }

        if (obj.reports != null && obj.reports.length > 0) {
          for (const value of obj.reports) {
            w.uint32(146)
            PresenceReport.codec().encode(value, w)
          }
        }

        if (obj.metadata != null && obj.metadata.size > 0) {
          for (const [key, value] of obj.metadata.entries()) {
            w.uint32(154)
            Frame.Frame$metadataEntry.codec().encode({ key, value }, w)
          }
        }

        if ((obj.priority != null && obj.priority !== 0)) {
          w.uint32(161)
          w.double(obj.priority)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: Type.UNKNOWN,
          epoch: 0n,
          chosenEpoch: 0n,
          reason: NackReason.PROMISED,
          seq: 0n,
          successor: '',
          lease: false,
          ackListed: false,
          ackFrom: [],
          observer: false,
          ready: false,
          leaving: false,
          rejoin: false,
          reports: [],
          metadata: new Map<string, string>(),
          priority: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = Frame.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.epoch = reader.uint64()
              break
            }
            case 3: {
              obj.ballot = Ballot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ballot
              })
              break
            }
            case 4: {
              obj.acceptedBallot = Ballot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.acceptedBallot
              })
              break
            }
            case 5: {
              obj.value = LeaderRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.value
              })
              break
            }
            case 6: {
              obj.promised = Ballot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.promised
              })
              break
            }
            case 7: {
              obj.chosenEpoch = reader.uint64()
              break
            }
            case 8: {
              obj.reason = Frame.NackReason.codec().decode(reader)
              break
            }
            case 9: {
              obj.seq = reader.uint64()
              break
            }
            case 10: {
              obj.successor = reader.string()
              break
            }
            case 11: {
              obj.lease = reader.bool()
              break
            }
            case 12: {
              obj.ackListed = reader.bool()
              break
            }
            case 13: {
              if (opts.limits?.ackFrom != null && obj.ackFrom.length === opts.limits.ackFrom) {
                throw new MaxLengthError('Decode error - repeated field "ackFrom" had too many elements')
              }

              obj.ackFrom.push(reader.string())
              break
            }
            case 14: {
              obj.observer = reader.bool()
              break
            }
            case 15: {
              obj.ready = reader.bool()
              break
            }
            case 16: {
              obj.leaving = reader.bool()
              break
            }
            case 17: {
              obj.rejoin = reader.bool()
              break
            }
            case 18: {
              if (opts.limits?.reports != null && obj.reports.length === opts.limits.reports) {
                throw new MaxLengthError('Decode error - repeated field "reports" had too many elements')
              }

              obj.reports.push(PresenceReport.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reports$
              }))
              break
            }
            case 19: {
              if (opts.limits?.metadata != null && obj.metadata.size === opts.limits.metadata) {
                throw new MaxSizeError('Decode error - map field "metadata" had too many elements')
              }

              const entry = Frame.Frame$metadataEntry.codec().decode(reader, reader.uint32(), {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })
              obj.metadata.set(entry.key, entry.value)
              break
            }
            case 20: {
              obj.priority = reader.double()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ackFrom: 0,
          reports: 0,
          metadata: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: Frame.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield * Ballot.codec().stream(reader, reader.uint32(), `${prefix}.ballot`, {
                limits: opts.limits?.ballot
              })

              break
            }
            case 4: {
              yield * Ballot.codec().stream(reader, reader.uint32(), `${prefix}.acceptedBallot`, {
                limits: opts.limits?.acceptedBallot
              })

              break
            }
            case 5: {
              yield * LeaderRecord.codec().stream(reader, reader.uint32(), `${prefix}.value`, {
                limits: opts.limits?.value
              })

              break
            }
            case 6: {
              yield * Ballot.codec().stream(reader, reader.uint32(), `${prefix}.promised`, {
                limits: opts.limits?.promised
              })

              break
            }
            case 7: {
              yield {
                field: `${prefix}.chosenEpoch`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.reason`,
                value: Frame.NackReason.codec().decode(reader)
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.successor`,
                value: reader.string()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.lease`,
                value: reader.bool()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.ackListed`,
                value: reader.bool()
              }
              break
            }
            case 13: {
              if (opts.limits?.ackFrom != null && obj.ackFrom === opts.limits.ackFrom) {
                throw new MaxLengthError('Streaming decode error - repeated field "ackFrom" had too many elements')
              }

              yield {
                field: `${prefix}.ackFrom[]`,
                index: obj.ackFrom,
                value: reader.string()
              }

              obj.ackFrom++

              break
            }
            case 14: {
              yield {
                field: `${prefix}.observer`,
                value: reader.bool()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.ready`,
                value: reader.bool()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.leaving`,
                value: reader.bool()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.rejoin`,
                value: reader.bool()
              }
              break
            }
            case 18: {
              if (opts.limits?.reports != null && obj.reports === opts.limits.reports) {
                throw new MaxLengthError('Streaming decode error - repeated field "reports" had too many elements')
              }

              for (const evt of PresenceReport.codec().stream(reader, reader.uint32(), `${prefix}.reports[]`, {
                limits: opts.limits?.reports$
              })) {
                yield {
                  ...evt,
                  index: obj.reports
                }
              }

              obj.reports++

              break
            }
            case 19: {
              if (opts.limits?.metadata != null && obj.metadata === opts.limits.metadata) {
                throw new MaxLengthError('Decode error - map field "metadata" had too many elements')
              }

              yield * Frame.Frame$metadataEntry.codec().stream(reader, reader.uint32(), `${prefix}.metadata{}`, {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })

              obj.metadata++

              break
            }
            case 20: {
              yield {
                field: `${prefix}.priority`,
                value: reader.double()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FrameTypeFieldEvent {
    field: '$.type'
    value: Frame.Type
  }

  export interface FrameEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface FrameBallotRoundFieldEvent {
    field: '$.ballot.round'
    value: bigint
  }

  export interface FrameBallotNodeIdFieldEvent {
    field: '$.ballot.nodeId'
    value: string
  }

  export interface FrameAcceptedBallotRoundFieldEvent {
    field: '$.acceptedBallot.round'
    value: bigint
  }

  export interface FrameAcceptedBallotNodeIdFieldEvent {
    field: '$.acceptedBallot.nodeId'
    value: string
  }

  export interface FrameValueEpochFieldEvent {
    field: '$.value.epoch'
    value: bigint
  }

  export interface FrameValueLeaderIdFieldEvent {
    field: '$.value.leaderId'
    value: string
  }

  export interface FrameValueMetadataFieldEvent {
    field: '$.value.metadata{}'
    key: string
    value: string
  }

  export interface FrameValueConfigVersionFieldEvent {
    field: '$.value.config.version'
    value: bigint
  }

  export interface FrameValueConfigClusterIdFieldEvent {
    field: '$.value.config.clusterId'
    value: string
  }

  export interface FrameValueConfigVotersIdFieldEvent {
    field: '$.value.config.voters[].id'
    value: string
    index: number
  }

  export interface FrameValueConfigVotersSinceFieldEvent {
    field: '$.value.config.voters[].since'
    value: bigint
    index: number
  }

  export interface FrameValueConfigTargetFieldEvent {
    field: '$.value.config.target'
    value: number
  }

  export interface FrameValueConfigLeaseMsFieldEvent {
    field: '$.value.config.leaseMs'
    value: number
  }

  export interface FrameValueConfigHeartbeatMsFieldEvent {
    field: '$.value.config.heartbeatMs'
    value: number
  }

  export interface FrameValueConfigMaxDriftRatioFieldEvent {
    field: '$.value.config.maxDriftRatio'
    value: number
  }

  export interface FramePromisedRoundFieldEvent {
    field: '$.promised.round'
    value: bigint
  }

  export interface FramePromisedNodeIdFieldEvent {
    field: '$.promised.nodeId'
    value: string
  }

  export interface FrameChosenEpochFieldEvent {
    field: '$.chosenEpoch'
    value: bigint
  }

  export interface FrameReasonFieldEvent {
    field: '$.reason'
    value: Frame.NackReason
  }

  export interface FrameSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface FrameSuccessorFieldEvent {
    field: '$.successor'
    value: string
  }

  export interface FrameLeaseFieldEvent {
    field: '$.lease'
    value: boolean
  }

  export interface FrameAckListedFieldEvent {
    field: '$.ackListed'
    value: boolean
  }

  export interface FrameAckFromFieldEvent {
    field: '$.ackFrom[]'
    index: number
    value: string
  }

  export interface FrameObserverFieldEvent {
    field: '$.observer'
    value: boolean
  }

  export interface FrameReadyFieldEvent {
    field: '$.ready'
    value: boolean
  }

  export interface FrameLeavingFieldEvent {
    field: '$.leaving'
    value: boolean
  }

  export interface FrameRejoinFieldEvent {
    field: '$.rejoin'
    value: boolean
  }

  export interface FrameReportsIdFieldEvent {
    field: '$.reports[].id'
    value: string
    index: number
  }

  export interface FrameReportsEpochFieldEvent {
    field: '$.reports[].epoch'
    value: bigint
    index: number
  }

  export interface FrameReportsObserverFieldEvent {
    field: '$.reports[].observer'
    value: boolean
    index: number
  }

  export interface FrameReportsReadyFieldEvent {
    field: '$.reports[].ready'
    value: boolean
    index: number
  }

  export interface FrameReportsLeavingFieldEvent {
    field: '$.reports[].leaving'
    value: boolean
    index: number
  }

  export interface FrameReportsRejoinFieldEvent {
    field: '$.reports[].rejoin'
    value: boolean
    index: number
  }

  export interface FrameReportsAgeMsFieldEvent {
    field: '$.reports[].ageMs'
    value: number
    index: number
  }

  export interface FrameReportsMetadataFieldEvent {
    field: '$.reports[].metadata{}'
    key: string
    value: string
    index: number
  }

  export interface FrameReportsPriorityFieldEvent {
    field: '$.reports[].priority'
    value: number
    index: number
  }

  export interface FrameMetadataFieldEvent {
    field: '$.metadata{}'
    key: string
    value: string
  }

  export interface FramePriorityFieldEvent {
    field: '$.priority'
    value: number
  }

  export function encode (obj: Partial<Frame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameTypeFieldEvent | FrameEpochFieldEvent | FrameBallotRoundFieldEvent | FrameBallotNodeIdFieldEvent | FrameAcceptedBallotRoundFieldEvent | FrameAcceptedBallotNodeIdFieldEvent | FrameValueEpochFieldEvent | FrameValueLeaderIdFieldEvent | FrameValueMetadataFieldEvent | FrameValueConfigVersionFieldEvent | FrameValueConfigClusterIdFieldEvent | FrameValueConfigVotersIdFieldEvent | FrameValueConfigVotersSinceFieldEvent | FrameValueConfigTargetFieldEvent | FrameValueConfigLeaseMsFieldEvent | FrameValueConfigHeartbeatMsFieldEvent | FrameValueConfigMaxDriftRatioFieldEvent | FramePromisedRoundFieldEvent | FramePromisedNodeIdFieldEvent | FrameChosenEpochFieldEvent | FrameReasonFieldEvent | FrameSeqFieldEvent | FrameSuccessorFieldEvent | FrameLeaseFieldEvent | FrameAckListedFieldEvent | FrameAckFromFieldEvent | FrameObserverFieldEvent | FrameReadyFieldEvent | FrameLeavingFieldEvent | FrameRejoinFieldEvent | FrameReportsIdFieldEvent | FrameReportsEpochFieldEvent | FrameReportsObserverFieldEvent | FrameReportsReadyFieldEvent | FrameReportsLeavingFieldEvent | FrameReportsRejoinFieldEvent | FrameReportsAgeMsFieldEvent | FrameReportsMetadataFieldEvent | FrameReportsPriorityFieldEvent | FrameMetadataFieldEvent | FramePriorityFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}

export interface PresenceReport {
  id: string
  epoch: bigint
  observer: boolean
  ready: boolean
  leaving: boolean
  rejoin: boolean
  ageMs: number
  metadata: Map<string, string>
  priority: number
}

export namespace PresenceReport {
  export interface PresenceReport$metadataEntry {
    key: string
    value: string
  }

  export namespace PresenceReport$metadataEntry {
    let _codec: Codec<PresenceReport$metadataEntry>

    export const codec = (): Codec<PresenceReport$metadataEntry> => {
      if (_codec == null) {
        _codec = message<PresenceReport$metadataEntry>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.key != null && obj.key !== '')) {
            w.uint32(10)
            w.string(obj.key)
          }

          if ((obj.value != null && obj.value !== '')) {
            w.uint32(18)
            w.string(obj.value)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            key: '',
            value: ''
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.key = reader.string()
                break
              }
              case 2: {
                obj.value = reader.string()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.key`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.value`,
                  value: reader.string()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface PresenceReport$metadataEntryKeyFieldEvent {
      field: '$.key'
      value: string
    }

    export interface PresenceReport$metadataEntryValueFieldEvent {
      field: '$.value'
      value: string
    }

    export function encode (obj: Partial<PresenceReport$metadataEntry>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, PresenceReport$metadataEntry.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceReport$metadataEntry>): PresenceReport$metadataEntry {
      return decodeMessage(buf, PresenceReport$metadataEntry.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceReport$metadataEntry>): Generator<PresenceReport$metadataEntryKeyFieldEvent | PresenceReport$metadataEntryValueFieldEvent> {
      return streamMessage(buf, PresenceReport$metadataEntry.codec(), opts)
    }
  }

  let _codec: Codec<PresenceReport>

  export const codec = (): Codec<PresenceReport> => {
    if (_codec == null) {
      _codec = message<PresenceReport>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(16)
          w.uint64(obj.epoch)
        }

        if ((obj.observer != null && obj.observer !== false)) {
          w.uint32(24)
          w.bool(obj.observer)
        }

        if ((obj.ready != null && obj.ready !== false)) {
          w.uint32(32)
          w.bool(obj.ready)
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(40)
          w.bool(obj.leaving)
        }

        if ((obj.rejoin != null && obj.rejoin !== false)) {
          w.uint32(48)
          w.bool(obj.rejoin)
        }

        if ((obj.ageMs != null && obj.ageMs !== 0)) {
          w.uint32(56)
          w.uint32(obj.ageMs)
        }

        if (obj.metadata != null && obj.metadata.size > 0) {
          for (const [key, value] of obj.metadata.entries()) {
            w.uint32(66)
            PresenceReport.PresenceReport$metadataEntry.codec().encode({ key, value }, w)
          }
        }

        if ((obj.priority != null && obj.priority !== 0)) {
          w.uint32(73)
          w.double(obj.priority)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          epoch: 0n,
          observer: false,
          ready: false,
          leaving: false,
          rejoin: false,
          ageMs: 0,
          metadata: new Map<string, string>(),
          priority: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.epoch = reader.uint64()
              break
            }
            case 3: {
              obj.observer = reader.bool()
              break
            }
            case 4: {
              obj.ready = reader.bool()
              break
            }
            case 5: {
              obj.leaving = reader.bool()
              break
            }
            case 6: {
              obj.rejoin = reader.bool()
              break
            }
            case 7: {
              obj.ageMs = reader.uint32()
              break
            }
            case 8: {
              if (opts.limits?.metadata != null && obj.metadata.size === opts.limits.metadata) {
                throw new MaxSizeError('Decode error - map field "metadata" had too many elements')
              }

              const entry = PresenceReport.PresenceReport$metadataEntry.codec().decode(reader, reader.uint32(), {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })
              obj.metadata.set(entry.key, entry.value)
              break
            }
            case 9: {
              obj.priority = reader.double()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          metadata: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.observer`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ready`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.leaving`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.rejoin`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ageMs`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              if (opts.limits?.metadata != null && obj.metadata === opts.limits.metadata) {
                throw new MaxLengthError('Decode error - map field "metadata" had too many elements')
              }

              yield * PresenceReport.PresenceReport$metadataEntry.codec().stream(reader, reader.uint32(), `${prefix}.metadata{}`, {
                limits: {
                  value: opts.limits?.metadata$value
                }
              })

              obj.metadata++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.priority`,
                value: reader.double()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceReportIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface PresenceReportEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface PresenceReportObserverFieldEvent {
    field: '$.observer'
    value: boolean
  }

  export interface PresenceReportReadyFieldEvent {
    field: '$.ready'
    value: boolean
  }

  export interface PresenceReportLeavingFieldEvent {
    field: '$.leaving'
    value: boolean
  }

  export interface PresenceReportRejoinFieldEvent {
    field: '$.rejoin'
    value: boolean
  }

  export interface PresenceReportAgeMsFieldEvent {
    field: '$.ageMs'
    value: number
  }

  export interface PresenceReportMetadataFieldEvent {
    field: '$.metadata{}'
    key: string
    value: string
  }

  export interface PresenceReportPriorityFieldEvent {
    field: '$.priority'
    value: number
  }

  export function encode (obj: Partial<PresenceReport>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PresenceReport.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceReport>): PresenceReport {
    return decodeMessage(buf, PresenceReport.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PresenceReport>): Generator<PresenceReportIdFieldEvent | PresenceReportEpochFieldEvent | PresenceReportObserverFieldEvent | PresenceReportReadyFieldEvent | PresenceReportLeavingFieldEvent | PresenceReportRejoinFieldEvent | PresenceReportAgeMsFieldEvent | PresenceReportMetadataFieldEvent | PresenceReportPriorityFieldEvent> {
    return streamMessage(buf, PresenceReport.codec(), opts)
  }
}
