/**
 * Validation of everything the user hands to `kubectl srs cleanup` before anything is sent to
 * the cluster. The directory never becomes part of the script text (it is a positional
 * parameter of `sh -c`), so spaces, quotes, `$(…)` and `;` are harmless; what is refused is
 * what would make the cleanup unsafe or meaningless: relative paths, `/`, `.`/`..` segments
 * and control characters.
 */
import {UsageError} from '../errors.js'

const UNIT_MINUTES: Record<string, number> = {m: 1, h: 60, d: 1440}
const MAX_MINUTES = 3650 * 1440

/** "3d", "12h", "90m" → minutes. Only m, h and d: find's -mmin counts minutes. */
export function parseOlderThan(input: string): number {
  const m = /^(\d{1,7})([mhd])$/.exec(input.trim())
  if (!m) {
    throw new UsageError(`invalid value for --older-than: "${input}" is not a whole number of minutes, hours or days`, 'use m, h or d, for example --older-than 3d, 12h or 90m')
  }
  const minutes = Number(m[1]) * UNIT_MINUTES[m[2]!]!
  if (minutes < 1) throw new UsageError(`invalid value for --older-than: "${input}" is zero`, "files being written right now would be deleted; use at least 1m (3d is the guide's choice)")
  if (minutes > MAX_MINUTES) throw new UsageError(`invalid value for --older-than: "${input}" is more than 10 years`, 'use at most 3650d')
  return minutes
}

/** Minutes back in the shortest unit that divides them: 4320 → "3d". */
export function formatMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`
  if (minutes % 60 === 0) return `${minutes / 60}h`
  return `${minutes}m`
}

const CRON_FIELDS: {name: string; min: number; max: number; names?: string[]}[] = [
  {name: 'minute', min: 0, max: 59},
  {name: 'hour', min: 0, max: 23},
  {name: 'day of month', min: 1, max: 31},
  {name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']},
  {name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']},
]

/**
 * A standard 5-field cron expression as the CronJob controller takes it (minute hour
 * day-of-month month day-of-week; `*`, lists, ranges, steps, month and weekday names). The
 * controller's time zone is set with spec.timeZone, never with a TZ= prefix.
 */
export function validateSchedule(input: string): string {
  const text = input.trim().replace(/\s+/g, ' ')
  const bad = (why: string) => new UsageError(`invalid value for --schedule: "${input}" ${why}`, 'use 5 fields: minute hour day-of-month month day-of-week, for example --schedule "15 1 * * *" (01:15 every day)')
  if (/^(CRON_)?TZ=/i.test(text)) throw bad('sets a time zone, which batch/v1 CronJobs refuse in the schedule')
  const fields = text.split(' ')
  if (text === '' || fields.length !== 5) throw bad(`has ${text === '' ? 0 : fields.length} fields, not 5`)
  fields.forEach((field, i) => {
    const spec = CRON_FIELDS[i]!
    const value = (v: string): number => {
      const byName = spec.names?.indexOf(v.toLowerCase()) ?? -1
      if (byName >= 0) return byName + (spec.min === 1 ? 1 : 0)
      if (!/^\d{1,2}$/.test(v)) throw bad(`has "${v}" in the ${spec.name} field`)
      const n = Number(v)
      if (n < spec.min || n > spec.max) throw bad(`has ${n} in the ${spec.name} field, outside ${spec.min}-${spec.max}`)
      return n
    }
    for (const item of field.split(',')) {
      const [range, step, extra] = item.split('/')
      if (extra !== undefined || range === undefined || range === '') throw bad(`has "${item}" in the ${spec.name} field`)
      if (step !== undefined && (!/^\d{1,2}$/.test(step) || Number(step) === 0)) throw bad(`has the step "${step}" in the ${spec.name} field`)
      if (range === '*' || (range === '?' && (i === 2 || i === 4))) continue
      const [a, b, more] = range.split('-')
      if (more !== undefined) throw bad(`has "${item}" in the ${spec.name} field`)
      const lo = value(a!)
      if (b !== undefined && value(b) < lo) throw bad(`has the backwards range "${range}" in the ${spec.name} field`)
    }
  })
  return text
}

/**
 * The directory to clean, as the cleanup container sees it. Absolute, normalised, not `/`,
 * without `.`/`..` segments or control characters. Returns it without a trailing slash.
 */
export function validateCleanupPath(input: string, flag = 'path'): string {
  const hint = 'give the absolute folder on the volume, e.g. --path /usr/local/srs/objs/nginx/html'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F]/.test(input)) throw new UsageError(`invalid value for --${flag}: it contains control characters (newline, tab...)`, hint)
  if (!input.startsWith('/')) throw new UsageError(`invalid value for --${flag}: "${input}" is not an absolute path`, hint)
  const segments = input.split('/').filter((s) => s !== '')
  if (segments.some((s) => s === '..' || s === '.')) throw new UsageError(`invalid value for --${flag}: "${input}" has "." or ".." segments`, hint)
  if (segments.length === 0) throw new UsageError(`invalid value for --${flag}: "/" would clean the whole file system of the container`, hint)
  return '/' + segments.join('/')
}

/** Is dir the folder base or inside it? Both normalised. */
export function isInside(dir: string, base: string): boolean {
  return dir === base || dir.startsWith(base === '/' ? '/' : base + '/')
}

/** An image reference: registry/repo[:tag][@digest], nothing a YAML or a shell could misread. */
export function validateImage(input: string): string {
  if (!/^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(@sha256:[a-f0-9]{64})?$/i.test(input) || input.length > 255) {
    throw new UsageError(`invalid value for --image: "${input}" is not an image reference`, 'for example --image busybox:1.36 or --image registry.example.com/mirror/alpine:3.20')
  }
  return input
}
