/**
 * Layering: the transports and the security helpers sit below the node, so
 * nothing in src/transport or src/security imports from src/node (protocol
 * limits live beside the messages, errors in src/errors.ts).
 */
import { describe, expect, it } from 'vitest'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../src', import.meta.url))
const NODE = join(SRC, 'node')

async function sources (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath, e.name))
}

describe('layering', () => {
  for (const layer of ['transport', 'security']) {
    it(`nothing in src/${layer} imports from src/node`, async () => {
      const files = await sources(join(SRC, layer))
      expect(files.length).toBeGreaterThan(0)
      const offending: string[] = []
      for (const file of files) {
        const text = await readFile(file, 'utf8')
        for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']*)'/g)) {
          const target = resolve(dirname(file), spec!)
          if (target === NODE || target.startsWith(NODE + '/')) offending.push(`${relative(SRC, file)} imports ${spec}`)
        }
      }
      expect(offending).toEqual([])
    })
  }
})
