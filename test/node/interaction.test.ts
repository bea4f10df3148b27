/**
 * Transcript tests: each file in testdata/ is a list of commands with the
 * output each produced (see interaction.ts for the format). The test reruns
 * the commands and compares the whole file. To record new or changed output:
 * `npm test -- test/node/interaction.test.ts -u`, then read the diff.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTranscript } from './interaction.js'

const dir = fileURLToPath(new URL('./testdata/', import.meta.url))
const files = readdirSync(dir).filter(f => f.endsWith('.txt')).sort()

describe('transcripts', () => {
  it('there are at least 15', () => {
    expect(files.length).toBeGreaterThanOrEqual(15)
  })

  for (const file of files) {
    it(file, async () => {
      const path = join(dir, file)
      const text = readFileSync(path, 'utf8')
      const actual = runTranscript(text)
      // A command whose output is not recorded yet makes the file differ: it passes only under -u.
      await expect(actual).toMatchFileSnapshot(path)
    })
  }
})
