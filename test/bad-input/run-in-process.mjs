#!/usr/bin/env node
/* global process, setTimeout */
/**
 * Runs many kubectl-srs invocations of the built CLI (dist/ + oclif.manifest.json) in one Node
 * process, one after the other, so the bad-input table of hundreds of cases runs in seconds.
 * Reads a JSON array of argv arrays on stdin; writes a JSON array of {code, stdout, stderr} to the
 * file named by its one argument. A file, not stdout: the results run to hundreds of kilobytes, and a
 * pipe write still queued when the process exits is lost (CI once read a cut-off array).
 * A case that does not finish in PER_CASE_MS is reported with code -1.
 */
import {Config, run} from '@oclif/core'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

const resultsFile = process.argv[2]
if (!resultsFile) {
  process.stderr.write('usage: node test/bad-input/run-in-process.mjs RESULTS_FILE < argvs.json\n')
  process.exit(2)
}

const PER_CASE_MS = Number(process.env.PER_CASE_MS ?? 20_000)
const root = path.resolve(import.meta.dirname, '../..')
const config = await Config.load(root)
const cases = JSON.parse(
  await new Promise((resolve) => {
    let text = ''
    process.stdin.on('data', (d) => (text += d))
    process.stdin.on('end', () => resolve(text))
  }),
)
const realOut = process.stdout.write.bind(process.stdout)
const realErr = process.stderr.write.bind(process.stderr)
const env = {...process.env}
const results = []
for (const argv of cases) {
  let stdout = ''
  let stderr = ''
  process.stdout.write = (chunk) => ((stdout += chunk), true)
  process.stderr.write = (chunk) => ((stderr += chunk), true)
  process.exitCode = 0
  let code
  try {
    const outcome = await Promise.race([run(argv, config).then(() => 'done'), new Promise((r) => setTimeout(() => r('timeout'), PER_CASE_MS).unref())])
    code = outcome === 'timeout' ? -1 : Number(process.exitCode ?? 0)
  } catch (error) {
    stderr += `uncaught: ${error?.message ?? error}\n`
    code = Number(error?.oclif?.exit ?? 1)
  }
  process.stdout.write = realOut
  process.stderr.write = realErr
  // a command may change the environment (colour policy); every case starts from the same one
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k]
  Object.assign(process.env, env)
  results.push({code, stdout, stderr})
}
writeFileSync(resultsFile, JSON.stringify(results))
process.exit(0)
