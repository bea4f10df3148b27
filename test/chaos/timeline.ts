/**
 * A chaos run's history drawn as a standalone SVG timeline: one row per node,
 * each leadership a rect coloured by its epoch (its number on it), process
 * downtime hatched, a spare host's idle time before its first start shaded, stalls ('gap') outlined in red, faults as translucent
 * bands on their nodes' rows (across all rows if they name none) labelled
 * with their kind, 'quiet' as a dashed line, a time axis in seconds and a
 * legend. Hovering an element shows its details (<title>).
 */
import { endOf, faultWindows, leaderships, runOf } from './checkers.js'
import type { FaultKind, HistoryEvent, Ms } from './history.js'

const WIDTH = 1200
const LEFT = 60
const RIGHT = 20
const TOP = 30
const ROW = 34
const ROW_GAP = 8

const FAULT_COLOURS: Record<FaultKind, string> = {
  kill: '#d62728',
  replace: '#8c564b',
  pause: '#9467bd',
  isolate: '#ff7f0e',
  split: '#8c564b',
  'one-way': '#e377c2',
  'link-down': '#7f7f7f',
  loss: '#bcbd22',
  resign: '#17becf',
  term: '#1f77b4',
  roll: '#2ca02c',
  scale: '#393b79'
}

export function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

/** A distinct, stable colour per epoch (golden-angle hues). */
export function epochColour (epoch: number): string {
  return `hsl(${Math.round((epoch * 137.508) % 360)}, 60%, 62%)`
}

const num = (x: number): string => String(Math.round(x * 10) / 10)

function attrs (a: Record<string, string | number>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? num(v) : v)}"`).join('')
}

function rect (a: Record<string, string | number>, title?: string): string {
  return title === undefined ? `<rect${attrs(a)}/>` : `<rect${attrs(a)}><title>${escapeXml(title)}</title></rect>`
}

function text (x: number, y: number, s: string, a: Record<string, string | number> = {}): string {
  return `<text${attrs({ x, y, ...a })}>${escapeXml(s)}</text>`
}

/** A round tick step in seconds giving about ten ticks over `spanS`. */
function tickStep (spanS: number): number {
  const raw = Math.max(spanS, 1e-3) / 10
  const pow = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw) ?? 10 * pow
}

/** Periods of each node's downtime: from an exit to the next spawn (or the end). */
function downtimes (history: readonly HistoryEvent[], end: Ms): Array<{ node: string, from: Ms, to: Ms }> {
  const out: Array<{ node: string, from: Ms, to: Ms }> = []
  const down = new Map<string, Ms>()
  for (const e of [...history].sort((a, b) => a.t - b.t)) {
    if (e.ev === 'exit') down.set(e.node, e.t)
    else if (e.ev === 'spawn' && down.has(e.node)) { out.push({ node: e.node, from: down.get(e.node)!, to: e.t }); down.delete(e.node) }
  }
  for (const [node, from] of down) out.push({ node, from, to: end })
  return out
}

/** A spare host's idle time from the run's start to its first spawn (or the end), when that is over a second. */
function idleTimes (history: readonly HistoryEvent[], nodes: readonly string[], from: Ms, end: Ms): Array<{ node: string, from: Ms, to: Ms }> {
  return nodes.flatMap(node => {
    const first = history.filter(e => e.ev === 'spawn' && e.node === node).reduce((m, e) => Math.min(m, e.t), end)
    return first - from > 1000 ? [{ node, from, to: first }] : []
  })
}

export function renderTimeline (history: readonly HistoryEvent[]): string {
  const run = runOf(history)
  const t0 = run.t
  const end = Math.max(endOf(history), t0 + 1)
  const plotW = WIDTH - LEFT - RIGHT
  const x = (t: Ms): number => LEFT + (Math.min(Math.max(t, t0), end) - t0) / (end - t0) * plotW
  const rowY = new Map(run.nodes.map((n, i) => [n, TOP + i * (ROW + ROW_GAP)]))
  const rowsBottom = TOP + run.nodes.length * (ROW + ROW_GAP) - ROW_GAP
  const axisY = rowsBottom + 6
  const legendY = axisY + 34
  const height = legendY + 30
  const out: string[] = []
  const s = (t: Ms): string => `${num((t - t0) / 1000)} s`

  out.push(`<?xml version="1.0" encoding="UTF-8"?>`)
  out.push(`<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${num(height)}`, 'font-family': 'sans-serif', 'font-size': 11 })}>`)
  out.push('<defs><pattern id="down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    '<rect width="6" height="6" fill="#ddd"/><line x1="0" y1="0" x2="0" y2="6" stroke="#888" stroke-width="2"/></pattern></defs>')
  out.push(rect({ width: WIDTH, height, fill: 'white' }))
  out.push(text(LEFT, 18, `seed ${run.seed} · ${run.nodes.length} nodes · lease ${run.leaseMs} ms · ${s(end)}`, { 'font-size': 13 }))

  // Rows: a background, the downtime, the leaderships, the stalls.
  const down = downtimes(history, end)
  const idle = idleTimes(history, run.nodes, t0, end)
  const leads = leaderships(history)
  for (const node of run.nodes) {
    const y = rowY.get(node)!
    out.push(`<g${attrs({ class: 'row', 'data-node': node })}>`)
    out.push(rect({ x: LEFT, y, width: plotW, height: ROW, fill: '#f6f6f6' }))
    out.push(text(LEFT - 8, y + ROW / 2 + 4, node, { 'text-anchor': 'end', 'font-weight': 'bold' }))
    for (const d of idle.filter(d => d.node === node)) {
      out.push(rect({ class: 'idle', x: x(d.from), y, width: x(d.to) - x(d.from), height: ROW, fill: '#e4e4ee' }, `${node} spare, idle ${s(d.from)} – ${s(d.to)}`))
    }
    for (const d of down.filter(d => d.node === node)) {
      out.push(rect({ class: 'down', x: x(d.from), y, width: x(d.to) - x(d.from), height: ROW, fill: 'url(#down)' }, `${node} down ${s(d.from)} – ${s(d.to)}`))
    }
    for (const l of leads.filter(l => l.node === node)) {
      const w = Math.max(x(l.to) - x(l.from), 1)
      out.push(rect({ class: 'lead', 'data-epoch': l.epoch, x: x(l.from), y: y + 4, width: w, height: ROW - 8, fill: epochColour(l.epoch), stroke: '#333', 'stroke-width': 0.5 },
        `${node} (inc ${l.inc}) leads epoch ${l.epoch}: ${s(l.from)} – ${s(l.to)}`))
      if (w >= 14) out.push(text(x(l.from) + w / 2, y + ROW / 2 + 4, String(l.epoch), { 'text-anchor': 'middle' }))
    }
    for (const g of history) {
      if (g.ev !== 'gap' || g.node !== node) continue
      out.push(rect({ class: 'gap', x: x(g.from), y: y + 1, width: Math.max(x(g.t) - x(g.from), 1.5), height: ROW - 2, fill: 'none', stroke: 'red', 'stroke-width': 1.5 },
        `${node} stalled ${num(g.t - g.from)} ms (leader ${String(g.before)} → ${String(g.after)})`))
    }
    out.push('</g>')
  }

  // Faults: on their nodes' rows, or across all rows; a resign as a thin line.
  for (const f of faultWindows(history)) {
    const colour = FAULT_COLOURS[f.kind]
    const detail = history.find(e => e.ev === 'fault' && e.id === f.id)
    const title = `fault ${f.id}: ${f.kind} ${f.nodes.join(', ')} ${s(f.from)} – ${s(f.to)}${detail?.ev === 'fault' && detail.detail !== undefined ? ` (${detail.detail})` : ''}`
    const rows = f.nodes.filter(n => rowY.has(n)).map(n => [rowY.get(n)!, ROW] as const)
    const spans = rows.length > 0 ? rows : [[TOP, rowsBottom - TOP] as const]
    const w = Math.max(x(f.to) - x(f.from), 2)
    out.push(`<g${attrs({ class: 'fault', 'data-kind': f.kind })}>`)
    for (const [y, h] of spans) out.push(rect({ x: x(f.from), y, width: w, height: h, fill: colour, 'fill-opacity': 0.22, stroke: colour, 'stroke-opacity': 0.6 }, title))
    out.push(text(x(f.from) + 2, spans[0]![0] + 10, f.kind, { fill: colour, 'font-size': 9 }))
    out.push('</g>')
  }

  const quiet = history.find(e => e.ev === 'quiet')
  if (quiet !== undefined) {
    out.push(`<line${attrs({ class: 'quiet', x1: x(quiet.t), y1: TOP - 6, x2: x(quiet.t), y2: rowsBottom, stroke: 'green', 'stroke-width': 2, 'stroke-dasharray': '6 3' })}/>`)
    out.push(text(x(quiet.t) + 3, TOP - 2, `quiet ${s(quiet.t)}`, { fill: 'green' }))
  }

  // The axis, in seconds from the run's start.
  out.push(`<g class="axis"><line${attrs({ x1: LEFT, y1: axisY, x2: LEFT + plotW, y2: axisY, stroke: '#333' })}/>`)
  const step = tickStep((end - t0) / 1000)
  for (let k = 0; k * step * 1000 <= end - t0 + 1e-9; k++) {
    const tx = x(t0 + k * step * 1000)
    out.push(`<line${attrs({ x1: tx, y1: axisY, x2: tx, y2: axisY + 5, stroke: '#333' })}/>`)
    out.push(text(tx, axisY + 17, `${num(k * step)} s`, { 'text-anchor': 'middle' }))
  }
  out.push('</g>')

  // The legend.
  const items: Array<[string, string]> = [
    [rect({ width: 18, height: 12, fill: epochColour(1), stroke: '#333', 'stroke-width': 0.5 }), 'leadership (colour and number: epoch)'],
    [rect({ width: 18, height: 12, fill: 'url(#down)' }), 'process down'],
    [rect({ width: 18, height: 12, fill: '#e4e4ee' }), 'spare host, idle'],
    [rect({ width: 18, height: 12, fill: 'none', stroke: 'red', 'stroke-width': 1.5 }), 'stall (gap)'],
    [rect({ width: 18, height: 12, fill: FAULT_COLOURS.isolate, 'fill-opacity': 0.22, stroke: FAULT_COLOURS.isolate }), 'fault (label: kind)'],
    [`<line x1="9" y1="-2" x2="9" y2="14" stroke="green" stroke-width="2" stroke-dasharray="6 3"/>`, 'quiet']
  ]
  out.push(`<g class="legend"${attrs({ transform: `translate(${LEFT}, ${num(legendY)})` })}>`)
  let lx = 0
  for (const [mark, label] of items) {
    out.push(`<g${attrs({ transform: `translate(${num(lx)}, 0)` })}>${mark}${text(24, 10, label)}</g>`)
    lx += 34 + label.length * 6
  }
  out.push('</g>')
  out.push('</svg>')
  return out.join('\n') + '\n'
}
