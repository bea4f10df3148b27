/**
 * Loggers that remember what the patches report: a bare error log for the
 * patch functions, and a ComponentLogger (libp2p's own, wrapped) for what is
 * built with one.
 */
import { format } from 'node:util'
import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import type { PatchLog } from '../../../src/transport/patches/shape.js'

/** The message as printf-style formatting gives it (libp2p's own specifiers, like %p, are left as they are). */
const line = (formatter: unknown, args: unknown[]): string => format(formatter, ...args)

/** An error log that keeps each message as one line. */
export function errorLog (): PatchLog & { errors: string[] } {
  const errors: string[] = []
  return { errors, error: (formatter: unknown, ...args: unknown[]) => { errors.push(line(formatter, args)) } }
}

/** libp2p's default ComponentLogger, whose loggers also keep every message (`component: text`), errors apart. */
export function recordingLogger (): { logger: ComponentLogger, errors: string[], messages: string[] } {
  const errors: string[] = []
  const messages: string[] = []
  const base = defaultLogger()
  const logger: ComponentLogger = {
    forComponent: (name: string): Logger => new Proxy(base.forComponent(name), {
      apply: (target, self, args: unknown[]) => { messages.push(`${name}: ${line(args[0], args.slice(1))}`); Reflect.apply(target, self, args) },
      get: (target, key, receiver) => key === 'error'
        ? (formatter: unknown, ...args: unknown[]) => { errors.push(`${name}: ${line(formatter, args)}`); target.error(formatter, ...args) }
        : Reflect.get(target, key, receiver)
    })
  }
  return { logger, errors, messages }
}
