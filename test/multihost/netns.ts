/**
 * A virtual LAN of network namespaces: one namespace per host, each with an
 * `eth0` veth into a bridge that lives in a namespace of its own, addresses
 * from 10.77.0.0/24 and a multicast route for mDNS. Nothing touches the host
 * network. Every namespace made here is deleted by `destroy()`, and on exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Whether this process may create namespaces (root with iproute2). */
export function canCreateNamespaces (): boolean {
  try {
    const probe = `qrm-probe-${process.pid}`
    ip('netns', 'add', probe)
    ip('netns', 'del', probe)
    return true
  } catch {
    return false
  }
}

export interface Host {
  readonly name: string
  readonly netns: string
  readonly address: string
}

const live = new Set<VirtualLan>()
process.once('exit', () => { for (const lan of live) lan.destroy() })

export class VirtualLan {
  readonly hosts: Host[] = []
  readonly #bridge: string
  readonly #prefix: string
  #destroyed = false

  constructor (hostCount: number, tag = 'lan') {
    this.#prefix = `qrm-${process.pid}-${tag}`
    this.#bridge = `${this.#prefix}-br`
    live.add(this)
    try {
      ip('netns', 'add', this.#bridge)
      ip('-n', this.#bridge, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
      ip('-n', this.#bridge, 'link', 'set', 'br0', 'up')
      for (let i = 0; i < hostCount; i++) this.addHost()
    } catch (err) {
      this.destroy()
      throw err
    }
  }

  addHost (): Host {
    const i = this.hosts.length + 1
    const netns = `${this.#prefix}-h${i}`
    const address = `10.77.0.${i}`
    ip('netns', 'add', netns)
    ip('-n', netns, 'link', 'set', 'lo', 'up')
    ip('-n', this.#bridge, 'link', 'add', `vh${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns)
    ip('-n', this.#bridge, 'link', 'set', `vh${i}`, 'master', 'br0', 'up')
    ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0')
    ip('-n', netns, 'link', 'set', 'eth0', 'multicast', 'on', 'up')
    ip('-n', netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    const h = { name: `h${i}`, netns, address }
    this.hosts.push(h)
    return h
  }

  /** Cuts a host off the LAN (or reconnects it). */
  setLink (h: Host, up: boolean): void {
    ip('-n', h.netns, 'link', 'set', 'eth0', up ? 'up' : 'down')
    if (up) {
      try { ip('-n', h.netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0') } catch { /* still there */ }
    }
  }

  /** Runs `argv` inside host `h`'s namespace; the child's PID is the program's own. */
  spawn (h: Host, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', h.netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  }

  destroy (): void {
    if (this.#destroyed) return
    this.#destroyed = true
    live.delete(this)
    for (const h of this.hosts) { try { ip('netns', 'del', h.netns) } catch { /* already gone */ } }
    try { ip('netns', 'del', this.#bridge) } catch { /* already gone */ }
  }
}
