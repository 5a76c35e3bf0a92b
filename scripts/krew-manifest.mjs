#!/usr/bin/env node
/**
 * Writes the krew manifest (krew.googlecontainertools.github.com/v1alpha2 Plugin) from the
 * archives scripts/release.mjs built: every uri and sha256 comes from release/release.json and
 * the archive bytes, never typed by hand; the caveats list the permissions from docs/rbac.yaml.
 *
 *   node scripts/krew-manifest.mjs                       → krew-manifest.yaml
 *   node scripts/krew-manifest.mjs --out /tmp/srs.yaml --base-url file:///tmp/release/
 *   node scripts/krew-manifest.mjs --portable            the node-launcher archive for linux and darwin
 *
 * darwin/arm64: the registry has no current Node binary for it, so its entry uses the
 * darwin-amd64 archive, run by Rosetta 2 (said in the caveats).
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseAllDocuments, stringify} from 'yaml'

const ROOT = path.resolve(import.meta.dirname, '..')
const RELEASE = path.join(ROOT, 'release')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

function fail(line) {
  process.stderr.write(`krew-manifest: error: ${line}\n`)
  process.exit(1)
}

function parseArgs(argv) {
  const opts = {
    out: path.join(ROOT, 'krew-manifest.yaml'),
    baseUrl: `${pkg.homepage.replace(/\/$/, '')}/releases/download/v${pkg.version}/`,
    portable: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--out') opts.out = path.resolve(argv[++i])
    else if (a === '--base-url') opts.baseUrl = argv[++i].replace(/\/?$/, '/')
    else if (a === '--portable') opts.portable = true
    else fail(`unknown argument ${a}`)
  }
  return opts
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/**
 * docs/rbac.yaml's Role as caveat lines, reads and writes apart, rules with the same verbs
 * merged: "get, list: pods, services, deployments.apps".
 */
function permissions() {
  const role = parseAllDocuments(readFileSync(path.join(ROOT, 'docs/rbac.yaml'), 'utf8'))
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'Role')
  if (!role) fail('docs/rbac.yaml has no Role')
  const writes = new Set(['create', 'update', 'patch', 'delete'])
  const describe = (rules) => {
    const byVerbs = new Map()
    for (const r of rules) {
      const key = r.verbs.join(', ')
      const names = r.resources.map((x) => (r.apiGroups[0] ? `${x}.${r.apiGroups[0]}` : x))
      byVerbs.set(key, [...(byVerbs.get(key) ?? []), ...names])
    }
    return [...byVerbs].flatMap(([verbs, names]) => wrap(`${verbs}: ${names.join(', ')}`, '    ', '      '))
  }
  return {
    read: describe(role.rules.filter((r) => r.verbs.every((v) => !writes.has(v)))),
    write: describe(role.rules.filter((r) => r.verbs.some((v) => writes.has(v)))),
  }
}

/** Lines of at most 80 columns (krew's manifest validator warns past that). */
function wrap(text, first, rest, width = 80) {
  const lines = []
  let line = first
  for (const word of text.split(' ')) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line)
      line = rest + word
    } else line += (line.trim() ? ' ' : '') + word
  }
  return [...lines, line]
}

function platformsFromRelease() {
  const file = path.join(RELEASE, 'release.json')
  if (!existsSync(file)) fail('release/release.json not found: run node scripts/release.mjs first')
  const release = JSON.parse(readFileSync(file, 'utf8'))
  if (release.version !== pkg.version) fail(`release/ holds version ${release.version}, package.json says ${pkg.version}: rebuild`)
  const built = new Map(release.results.filter((r) => r.archive).map((r) => [r.target, r]))
  const entries = []
  for (const [target, r] of built) {
    const [os, arch] = target.split('-')
    entries.push({os, arch, archive: r.archive, bin: path.basename(r.exe)})
  }
  const darwin = built.get('darwin-amd64')
  if (darwin) entries.push({os: 'darwin', arch: 'arm64', archive: darwin.archive, bin: path.basename(darwin.exe)})
  if (!entries.length) fail('no archive was built')
  return {entries, embedsNode: true}
}

function platformsPortable() {
  const archive = path.join(RELEASE, 'kubectl-srs_portable.tar.gz')
  if (!existsSync(archive)) fail('release/kubectl-srs_portable.tar.gz not found: run node scripts/release.mjs --portable first')
  const entries = ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64'].map((t) => {
    const [os, arch] = t.split('-')
    return {os, arch, archive, bin: 'kubectl-srs'}
  })
  return {entries, embedsNode: false}
}

function main() {
  const opts = parseArgs(process.argv.slice(2))
  const {entries, embedsNode} = opts.portable ? platformsPortable() : platformsFromRelease()
  const perms = permissions()
  const hasRosetta = entries.some((e) => e.os === 'darwin' && e.arch === 'arm64') && embedsNode
  const caveats = [
    'kubectl srs needs these permissions in the namespaces it works on',
    '(docs/rbac.yaml in the repository has them as a ClusterRole and a Role):',
    '  every command reads (pods/proxy reaches the SRS HTTP API of each pod):',
    ...perms.read,
    '  canary, promote, rollback, add-origin, remove-origin, sync-origins and',
    '  cleanup also write:',
    ...perms.write,
    ...(embedsNode ? [] : ['', 'This build runs with the Node.js on your PATH: Node.js 20 or newer is required.']),
    ...(hasRosetta
      ? [
          '',
          'On Apple silicon (darwin/arm64) this installs the darwin/amd64 executable,',
          'which runs through Rosetta 2 (softwareupdate --install-rosetta): the npm',
          'registry has no current darwin-arm64 Node.js to build a native one from.',
          'The macOS executable is not code-signed; if macOS refuses to run it:',
          '  codesign --sign - "$(readlink "$(command -v kubectl-srs)")"',
        ]
      : []),
    '',
    'Shell completion of "kubectl srs <TAB>" (kubectl 1.26+), in a directory on PATH:',
    '  kubectl srs completion kubectl > ~/.local/bin/kubectl_complete-srs',
    '  chmod +x ~/.local/bin/kubectl_complete-srs',
  ].join('\n')
  const manifest = {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: {name: 'srs'},
    spec: {
      version: `v${pkg.version}`,
      homepage: pkg.homepage,
      shortDescription: 'Day-2 operations for SRS live-streaming clusters',
      description:
        [
          "kubectl srs shows every SRS pod's version, connections and streams through the",
          'SRS HTTP API, upgrades SRS edges and origins with a canary that drains live',
          'streams gracefully, promotes or rolls it back, scales the SRS origin cluster',
          'while keeping coworkers and edge origin lists right, audits workloads against',
          'the SRS Kubernetes guide and installs a safe HLS/DVR cleanup CronJob.',
        ].join('\n') + '\n',
      caveats: caveats + '\n',
      platforms: entries.map((e) => ({
        selector: {matchLabels: {os: e.os, arch: e.arch}},
        uri: opts.baseUrl + path.basename(e.archive),
        sha256: sha256(e.archive),
        bin: e.bin,
      })),
    },
  }
  const header = '# Written by scripts/krew-manifest.mjs from the release archives; do not edit by hand.\n'
  writeFileSync(opts.out, header + stringify(manifest, {lineWidth: 0}))
  process.stderr.write(`krew-manifest: wrote ${path.relative(process.cwd(), opts.out) || opts.out} (${entries.length} platforms)\n`)
}

main()
