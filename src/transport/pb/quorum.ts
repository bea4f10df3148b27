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

export interface LeaderRecord {
  epoch: bigint
  leaderId: string
  metadata: Map<string, string>
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

  export function encode (obj: Partial<LeaderRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LeaderRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord>): LeaderRecord {
    return decodeMessage(buf, LeaderRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LeaderRecord>): Generator<LeaderRecordEpochFieldEvent | LeaderRecordLeaderIdFieldEvent | LeaderRecordMetadataFieldEvent> {
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
    STATUS_REPLY = 'STATUS_REPLY'
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
    STATUS_REPLY = 11
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
    MEMBERSHIP = 'MEMBERSHIP'
  }

  enum __NackReasonValues {
    PROMISED = 0,
    LEASE = 1,
    QUARANTINE = 2,
    STALE = 3,
    MEMBERSHIP = 4
  }

  export namespace NackReason {
    export const codec = (): Codec<NackReason> => {
      return enumeration<NackReason>(__NackReasonValues)
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
          ackFrom: []
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
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ackFrom: 0
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

  export function encode (obj: Partial<Frame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameTypeFieldEvent | FrameEpochFieldEvent | FrameBallotRoundFieldEvent | FrameBallotNodeIdFieldEvent | FrameAcceptedBallotRoundFieldEvent | FrameAcceptedBallotNodeIdFieldEvent | FrameValueEpochFieldEvent | FrameValueLeaderIdFieldEvent | FrameValueMetadataFieldEvent | FramePromisedRoundFieldEvent | FramePromisedNodeIdFieldEvent | FrameChosenEpochFieldEvent | FrameReasonFieldEvent | FrameSeqFieldEvent | FrameSuccessorFieldEvent | FrameLeaseFieldEvent | FrameAckListedFieldEvent | FrameAckFromFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}
