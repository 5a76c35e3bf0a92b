/**
 * Reads the captured SRS API answers in test/fixtures/srs-api (see its README) and serves them
 * through fake transports. A missing fixture fails the tests: a silent skip would let the client
 * drift from real SRS answers unnoticed.
 */
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {SrsHttpAnswer, SrsTransport} from '../../../src/lib/srs/api/index.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const FIXTURE_ROOT = path.join(repoRoot, 'test/fixtures/srs-api')

if (!existsSync(path.join(FIXTURE_ROOT, 'README.md'))) {
  throw new Error(`SRS API fixtures not found at ${FIXTURE_ROOT}; the unit tests of src/lib/srs/api need them`)
}

export const SRS_VERSIONS = ['v4.0-r5', 'v5.0-r3', 'v6.0-a1'] as const
export type FixtureVersion = (typeof SRS_VERSIONS)[number]

export interface IndexEntry {
  file: string
  /** Path and query as SRS saw it, e.g. "/api/v1/streams/?start=0&count=1". */
  pathAndQuery: string
  status: number
  contentType: string
}

export function fixtureText(version: FixtureVersion, file: string): string {
  return readFileSync(path.join(FIXTURE_ROOT, version, file), 'utf8')
}

export function fixtureJson<T = Record<string, unknown>>(version: FixtureVersion, file: string): T {
  return JSON.parse(fixtureText(version, file)) as T
}

/** Rows of `<version>/<folder>/_index.tsv`: file, URL, HTTP status, content type, bytes. */
export function fixtureIndex(version: FixtureVersion, folder = ''): Map<string, IndexEntry> {
  const text = readFileSync(path.join(FIXTURE_ROOT, version, folder, '_index.tsv'), 'utf8')
  const entries = new Map<string, IndexEntry>()
  for (const line of text.split('\n')) {
    const [file, url, status, contentType] = line.split('\t')
    if (!file || !url || !status) continue
    const u = new URL(url)
    entries.set(file, {file, pathAndQuery: u.pathname + u.search, status: Number(status), contentType: contentType ?? ''})
  }
  return entries
}

/** The fixture file as the transport would have delivered it (status and content type from _index.tsv). */
export function fixtureAnswer(version: FixtureVersion, file: string, folder = ''): SrsHttpAnswer {
  const entry = fixtureIndex(version, folder).get(file)
  if (!entry) throw new Error(`${version}/${folder}${file} is not in _index.tsv`)
  return {status: entry.status, contentType: entry.contentType, body: fixtureText(version, path.join(folder, file))}
}

export interface RecordingTransport {
  transport: SrsTransport
  requested: string[]
}

/**
 * A fake SRS: `routes` maps a request pathname (query ignored) to a fixture file. List endpoints
 * honour start/count the way SRS does (count raised to at least 10) over the file's items.
 * Unrouted paths fail the test loudly.
 */
export function fixtureSrs(version: FixtureVersion, routes: Record<string, string>, folder = ''): RecordingTransport {
  const requested: string[] = []
  const transport: SrsTransport = async (requestPath) => {
    requested.push(requestPath)
    const u = new URL(requestPath, 'http://srs')
    const file = routes[u.pathname]
    if (!file) throw new Error(`unexpected request ${requestPath}`)
    const answer = fixtureAnswer(version, file, folder)
    return u.pathname === '/api/v1/streams/' || u.pathname === '/api/v1/clients/' ? pageOf(answer, u.searchParams) : answer
  }
  return {transport, requested}
}

/** Serves `items` as SRS pages them, inside the envelope of a real answer. */
export function pagingSrs(envelope: Record<string, unknown>, key: 'streams' | 'clients', items: unknown[]): RecordingTransport {
  const requested: string[] = []
  const transport: SrsTransport = async (requestPath) => {
    requested.push(requestPath)
    const body = JSON.stringify({...envelope, [key]: items})
    return pageOf({status: 200, contentType: 'application/json', body}, new URL(requestPath, 'http://srs').searchParams)
  }
  return {transport, requested}
}

function pageOf(answer: SrsHttpAnswer, params: URLSearchParams): SrsHttpAnswer {
  const body = JSON.parse(answer.body) as Record<string, unknown>
  const key = Array.isArray(body.streams) ? 'streams' : 'clients'
  const list = body[key] as unknown[]
  const start = Number(params.get('start') ?? 0)
  const count = Math.max(10, Number(params.get('count') ?? 10))
  return {...answer, body: JSON.stringify({...body, [key]: list.slice(start, start + count)})}
}

/** The rpc=reload-fetch answers recorded after a reload that applied and one that did not parse. */
export function recordedReloadFetchAnswers(version: FixtureVersion): string[] {
  const text = readFileSync(path.join(FIXTURE_ROOT, 'behaviour-logs', version, 'reload-fetch.txt'), 'utf8')
  return text.split('\n').filter((line) => line !== '')
}
