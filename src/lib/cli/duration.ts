import {UsageError} from '../errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/**
 * Parses a duration the way kubectl's --timeout and --request-timeout take it (Go's
 * time.ParseDuration restricted to ms/s/m/h): "30s", "5m", "1h30m", "500ms". A bare "0" means
 * no limit, as in kubectl. Returns milliseconds.
 */
export function parseDuration(input: string, flag = 'duration'): number {
  const text = input.trim()
  if (text === '0') return 0
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let total = 0
  let matched = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!
    matched = re.lastIndex
  }
  if (text === '' || matched !== text.length) {
    throw new UsageError(`invalid value for --${flag}: "${input}" is not a duration`, 'use a number with a unit, as kubectl does: 30s, 5m, 1h, 1h30m, 500ms (0 means no limit)')
  }
  if (!Number.isFinite(total) || total > 365 * 24 * 3_600_000) {
    throw new UsageError(`invalid value for --${flag}: "${input}" is too long`, 'use at most 8760h')
  }
  return Math.round(total)
}

/** Renders milliseconds back in kubectl's short form, for messages: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  let s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`
}
