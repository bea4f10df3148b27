/**
 * Every upstream patch names the versions it was checked against; those are
 * the versions installed, and package.json pins them exactly, so that no
 * install brings a version the patches were never checked against.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CHECKED_AGAINST as noiseTuning } from '../../../src/transport/patches/noise-tuning.js'
import { CHECKED_AGAINST as window } from '../../../src/transport/patches/window.js'

const root = new URL('../../../', import.meta.url)
const json = (path: string): { version: string, dependencies: Record<string, string> } => JSON.parse(readFileSync(new URL(path, root), 'utf8'))
const patches = { 'window.ts': window, 'noise-tuning.ts': noiseTuning }

describe.each(Object.entries(patches))('the upstream patch %s', (file, checkedAgainst) => {
  it.each(Object.entries(checkedAgainst))('was checked against the installed %s, pinned exactly at that version', (pkg, version) => {
    expect(json(`node_modules/${pkg}/package.json`).version).toBe(version)
    expect(json('package.json').dependencies[pkg]).toBe(version)
    // The header says so too.
    expect(readFileSync(new URL(`src/transport/patches/${file}`, root), 'utf8').split('*/')[0]).toMatch(new RegExp(`${pkg.replace('/', '\\/')} ${version.replaceAll('.', '\\.')}`))
  })
})
