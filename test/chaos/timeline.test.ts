/**
 * The SVG timeline is well-formed XML (checked by a tiny parser below: tags
 * balanced, attributes quoted, text and attributes escaped) with one row per
 * node and one rect per leadership.
 */
import { describe, expect, it } from 'vitest'
import { History } from './builder.js'
import { leaderships } from './checkers.js'
import { renderTimeline } from './timeline.js'

interface Element { readonly name: string, readonly attrs: Readonly<Record<string, string>>, readonly parent: Element | null }

const ENTITY = new Set(['amp', 'lt', 'gt', 'quot', 'apos'])

/** Checks every '&' starts a known entity or a character reference. */
function checkEntities (s: string, where: number): void {
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1)) {
    const semi = s.indexOf(';', i)
    const name = semi < 0 ? '' : s.slice(i + 1, semi)
    if (!ENTITY.has(name) && !/^#(\d+|x[0-9a-fA-F]+)$/.test(name)) throw new Error(`bad entity at ${where + i}: ${s.slice(i, i + 10)}`)
  }
}

/** A minimal well-formedness check: returns every element, throws on the first error. */
function parseXml (xml: string): Element[] {
  const elements: Element[] = []
  const open: Element[] = []
  let i = 0
  if (xml.startsWith('<?xml')) i = xml.indexOf('?>') + 2
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const textEnd = lt < 0 ? xml.length : lt
    const chunk = xml.slice(i, textEnd)
    if (chunk.includes('>')) throw new Error(`bare '>' in text at ${i}`)
    checkEntities(chunk, i)
    if (open.length === 0 && chunk.trim() !== '') throw new Error(`text outside the root at ${i}`)
    if (lt < 0) break
    const gt = xml.indexOf('>', lt)
    if (gt < 0) throw new Error(`unclosed tag at ${lt}`)
    const tag = xml.slice(lt + 1, gt)
    if (tag.startsWith('/')) {
      const top = open.pop()
      if (top?.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${top?.name ?? 'nothing'}> at ${lt}`)
    } else {
      const selfClosing = tag.endsWith('/')
      const body = selfClosing ? tag.slice(0, -1) : tag
      const name = body.split(/\s/, 1)[0]!
      if (!/^[A-Za-z][\w:.-]*$/.test(name)) throw new Error(`bad tag name at ${lt}: ${name}`)
      const rest = body.slice(name.length)
      const attrs: Record<string, string> = {}
      const attr = /\s*([\w:.-]+)="([^"<]*)"/y
      let m: RegExpExecArray | null
      let at = 0
      while ((m = attr.exec(rest)) !== null) {
        at = attr.lastIndex
        if (m[1]! in attrs) throw new Error(`duplicate attribute ${m[1]} at ${lt}`)
        checkEntities(m[2]!, lt)
        attrs[m[1]!] = m[2]!
      }
      if (rest.slice(at).trim() !== '') throw new Error(`bad attributes at ${lt}: ${rest}`)
      if (elements.length > 0 && open.length === 0) throw new Error(`second root at ${lt}`)
      const e: Element = { name, attrs, parent: open.at(-1) ?? null }
      elements.push(e)
      if (!selfClosing) open.push(e)
    }
    i = gt + 1
  }
  if (open.length > 0) throw new Error(`unclosed <${open.at(-1)!.name}>`)
  return elements
}

/** A run with two leaderships, a kill and restart, a stall, faults with and without nodes, and quiet. */
function sample (): History {
  return new History(['n1', 'n2', 'n3'])
    .boot(0).elect(100, 'n1', 1)
    .fault(2000, 1, 'kill', ['n1']).exit(2000, 'n1').heal(2500, 1).spawn(2500, 'n1')
    .elect(3500, 'n2', 2).gap(5000, 'n2', 4200, true, true)
    .fault(6000, 2, 'split', []).heal(7000, 2).fault(7500, 3, 'resign', ['n2'])
    .lead(7500, 'n2', false, 2).elect(8000, 'n3', 3).quiet(8000).end(12_000)
}

describe('renderTimeline', () => {
  it('is well-formed XML with an svg root', () => {
    const els = parseXml(renderTimeline(sample().done))
    expect(els[0]?.name).toBe('svg')
    expect(els[0]?.attrs.width).toBe('1200')
  })

  it('has one row per node and one rect per leadership, coloured by epoch', () => {
    const h = sample().done
    const els = parseXml(renderTimeline(h))
    expect(els.filter(e => e.attrs.class === 'row').map(e => e.attrs['data-node'])).toEqual(['n1', 'n2', 'n3'])
    const leads = els.filter(e => e.name === 'rect' && e.attrs.class === 'lead')
    expect(leads.map(e => e.attrs['data-epoch'])).toEqual(leaderships(h).map(l => String(l.epoch)))
    expect(leads.map(e => e.parent?.attrs['data-node'])).toEqual(['n1', 'n2', 'n3'])
    expect(new Set(leads.map(e => e.attrs.fill)).size).toBe(3)
  })

  it('draws the downtime, the stall, the faults by kind and the quiet line', () => {
    const els = parseXml(renderTimeline(sample().done))
    expect(els.filter(e => e.attrs.class === 'down')).toHaveLength(1)
    expect(els.filter(e => e.attrs.class === 'gap')).toHaveLength(1)
    expect(els.filter(e => e.attrs.class === 'fault').map(e => e.attrs['data-kind'])).toEqual(['kill', 'split', 'resign'])
    expect(els.filter(e => e.attrs.class === 'quiet')).toHaveLength(1)
    expect(els.some(e => e.attrs.class === 'legend')).toBe(true)
  })

  it('shades a spare host\'s idle time before its first start, and draws roll and scale', () => {
    const h = new History(['n1', 'n2', 'n3', 'n4']).boot(0).elect(100, 'n1', 1)
    const done = h.fault(1000, 1, 'scale', ['n1']).heal(1500, 1).fault(3000, 2, 'roll', ['n2', 'n4']).end(6000).done
    // boot() spawned n4 at 0: drop that, so that n4 is a spare until the roll starts it at 4000.
    const spare = done.filter(e => !('node' in e && e.node === 'n4' && e.t === 0)).concat([{ ev: 'spawn', t: 4000, node: 'n4', inc: 1, pid: 1 }])
    const els = parseXml(renderTimeline(spare))
    expect(els.filter(e => e.attrs.class === 'idle').map(e => e.parent?.attrs['data-node'])).toEqual(['n4'])
    expect(els.filter(e => e.attrs.class === 'fault').map(e => e.attrs['data-kind'])).toEqual(['scale', 'roll'])
  })

  it('escapes text that comes from the history', () => {
    const h = sample().done.map(e => e.ev === 'fault' && e.id === 2 ? { ...e, detail: 'a<b & "c"' } : e)
    const svg = renderTimeline(h)
    expect(() => parseXml(svg)).not.toThrow()
    expect(svg).toContain('a&lt;b &amp; &quot;c&quot;')
  })

  it('the parser rejects what is not well-formed', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow()
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow()
    expect(() => parseXml('<svg><text>a & b</text></svg>')).toThrow()
    expect(() => parseXml('<svg x=1/>')).toThrow()
  })
})
