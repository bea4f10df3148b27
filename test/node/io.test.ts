import { describe, expect, it } from 'vitest'
import { Outbox } from '../../src/node/io.js'
import type { Message } from '../../src/paxos/message.js'
import type { PersistentState } from '../../src/storage/storage.js'

const state = { format: 'test' } as unknown as PersistentState
const msg: Message = { type: 'statusRequest', epoch: 1 }

describe('Outbox', () => {
  it('starts empty: nothing to store, nothing looped back, and drains the one frozen empty batch', () => {
    const out = new Outbox('a')
    expect(out.storing).toBe(false)
    expect(out.mayStoreLazily).toBe(true)
    expect(out.loopback).toEqual([])
    const rd = out.drain(state)
    expect(rd).toEqual({ persist: null, sync: false, messages: [], events: [] })
    expect(Object.isFrozen(rd)).toBe(true)
    expect(out.drain(null)).toBe(rd)
  })

  it('hands out the state only for a batch that stores, and never lowers sync to lazy', () => {
    const out = new Outbox('a')
    out.send('b', msg)
    expect(out.drain(state)).toEqual({ persist: null, sync: false, messages: [{ to: 'b', msg }], events: [] })
    out.store('sync')
    out.store('lazy')
    expect(out.storing).toBe(true)
    expect(out.mayStoreLazily).toBe(false)
    const rd = out.drain(state)
    expect(rd.persist).toBe(state)
    expect(rd.sync).toBe(true)
  })

  it('may store lazily only while no lazy save is the newest: batches that store nothing do not clear it', () => {
    const out = new Outbox('a')
    out.store('lazy')
    expect(out.mayStoreLazily).toBe(false)
    expect(out.drain(state)).toMatchObject({ persist: state, sync: false })
    expect(out.mayStoreLazily).toBe(false)
    out.send('b', msg)
    out.drain(null)
    expect(out.mayStoreLazily).toBe(false)
    out.store('sync')
    out.drain(state)
    expect(out.mayStoreLazily).toBe(true)
  })

  it('loops messages to itself back, and names first and fanout of a broadcast only when given', () => {
    const out = new Outbox('a')
    out.send('a', msg)
    out.broadcast(msg)
    out.broadcast(msg, 'c', 2)
    expect(out.loopback).toEqual([msg, msg, msg])
    const messages = out.drain(null).messages
    expect(messages).toStrictEqual([{ to: null, msg }, { to: null, msg, first: 'c', fanout: 2 }])
  })
})
