/**
 * Per-fault recovery times of a chaos run, from its history. A fault that
 * took the leader away (killed, stopped, paused or cut off with it, or its
 * resignation) recovers when a leader of a newer epoch is known by every
 * running node the fault did not touch: fault start to that moment. Any other
 * fault recovers when, after its heal, every running node names the same
 * leader, which reports itself leader: heal to that moment (0 if it never
 * stopped). Recovery is looked for until the next fault starts, or the end.
 */
import type { FaultKind, HistoryEvent, Ms } from './history.js'

export interface Recovery {
  readonly id: number
  readonly kind: FaultKind
  readonly nodes: readonly string[]
  readonly detail?: string
  readonly start: Ms
  readonly heal: Ms | null
  /** The heal's note: what did not go as planned. */
  readonly note?: string
  /** Whether the fault took the leader away (then `ms` counts from its start, or for a roll or scale from the leader's stop, else from its heal). */
  readonly leaderAffected: boolean
  /** What `ms` counts from. */
  readonly from: 'fault' | 'stop' | 'heal'
  /** Null when not recovered before the next fault (or the end). */
  readonly ms: Ms | null
}

interface State { running: boolean, leading: boolean, epoch: number, view: string | null, id: string | null }

/** Replays the history once, calling `at` after each record with the state of every node. */
function replay (history: readonly HistoryEvent[], at: (e: HistoryEvent, states: ReadonlyMap<string, State>) => void): void {
  const states = new Map<string, State>()
  const get = (n: string): State => { let s = states.get(n); if (s === undefined) { s = { running: false, leading: false, epoch: 0, view: null, id: null }; states.set(n, s) } return s }
  const incOf = new Map<string, number>()
  for (const e of history) {
    if ('node' in e && 'inc' in e && e.ev !== 'spawn' && incOf.get(e.node) !== e.inc && e.ev !== 'exit') { at(e, states); continue }
    switch (e.ev) {
      case 'spawn': incOf.set(e.node, e.inc); Object.assign(get(e.node), { running: true, leading: false, view: null }); break
      case 'exit': if (incOf.get(e.node) === e.inc) Object.assign(get(e.node), { running: false, leading: false, view: null }); break
      case 'ready': get(e.node).id = e.id; break
      case 'lead': Object.assign(get(e.node), { leading: e.on, epoch: e.epoch }); break
      case 'gap': if (!e.after) get(e.node).leading = false; break
      case 'view': get(e.node).view = e.leader === null ? null : `${e.leader}@${e.epoch}`; break
      default:
    }
    at(e, states)
  }
}

/** The one node leading (and its epoch and peer ID), not counting `except` (stopped or cut off, they cannot report the end of their lease), or null. */
function leaderOf (states: ReadonlyMap<string, State>, except: readonly string[] = []): { name: string, epoch: number, id: string | null } | null {
  const leaders = [...states].filter(([n, s]) => s.running && s.leading && !except.includes(n))
  if (leaders.length !== 1) return null
  const [name, s] = leaders[0]!
  return { name, epoch: s.epoch, id: s.id }
}

/** Whether every running node outside `except` names `leader`. */
function knownBy (states: ReadonlyMap<string, State>, leader: { epoch: number, id: string | null }, except: readonly string[]): boolean {
  return [...states].every(([n, s]) => !s.running || except.includes(n) || s.view === `${leader.id}@${leader.epoch}`)
}

export function recoveries (history: readonly HistoryEvent[]): Recovery[] {
  const faults = history.filter((e): e is Extract<HistoryEvent, { ev: 'fault' }> => e.ev === 'fault')
  const healRecords = new Map(history.filter((e): e is Extract<HistoryEvent, { ev: 'heal' }> => e.ev === 'heal').map(e => [e.id, e]))
  const heals = new Map([...healRecords].map(([id, e]) => [id, e.t]))
  const result: Recovery[] = []
  for (const [i, f] of faults.entries()) {
    const until = faults[i + 1]?.t ?? Infinity
    const heal = heals.get(f.id) ?? null
    let before: ReturnType<typeof leaderOf> = null
    let affected = false
    let ms: Ms | null = null
    // For a roll or scale: when the leader it stops stopped leading (or exited).
    const late = f.kind === 'roll' || f.kind === 'scale'
    let stoppedAt: Ms | null = null
    replay(history, (e, states) => {
      if (ms !== null || e.t > until) return
      if (e === f) {
        before = leaderOf(states)
        affected = before !== null && (f.kind === 'resign' || f.nodes.includes(before.name))
        return
      }
      if (e.t < f.t) return
      const healed = heal !== null && e.t >= heal
      if (affected) {
        if (late && stoppedAt === null) {
          const s = states.get(before!.name)
          if (s?.running === true && s.leading) return
          stoppedAt = e.t
        }
        // The touched nodes' claims are stale while the fault lasts (a stopped leader cannot
        // report its lease's end); the survivors are the nodes it did not touch. A roll or scale
        // stops its nodes gracefully and makes no claim stale: every running node counts.
        const touched = healed || late ? [] : f.nodes
        const now = leaderOf(states, touched)
        if (now !== null && (now.epoch > before!.epoch || (healed && f.kind !== 'resign')) && knownBy(states, now, touched)) ms = e.t - (stoppedAt ?? f.t)
      } else if (healed) {
        const now = leaderOf(states)
        if (now !== null && knownBy(states, now, [])) ms = Math.max(0, e.t - heal)
      }
    })
    const note = healRecords.get(f.id)?.note
    result.push({ id: f.id, kind: f.kind, nodes: f.nodes, ...(f.detail === undefined ? {} : { detail: f.detail }), start: f.t, heal, ...(note === undefined ? {} : { note }), leaderAffected: affected, from: !affected ? 'heal' : late ? 'stop' : 'fault', ms })
  }
  return result
}
