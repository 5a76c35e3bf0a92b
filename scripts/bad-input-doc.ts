/** Renders docs/bad-input.md from test/bad-input/cases.ts and the oclif manifest (run `npm run build` first). */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {renderBadInputDoc, type Manifest} from '../test/bad-input/cases.js'

const root = path.resolve(import.meta.dirname, '..')
const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as Manifest
writeFileSync(path.join(root, 'docs/bad-input.md'), renderBadInputDoc(manifest))
process.stdout.write('wrote docs/bad-input.md\n')
