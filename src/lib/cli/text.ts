/** The text tools renderers are handed (view/text.ts says what they are). */
import {Chalk} from 'chalk'
import type {TextTools} from '../view/text.js'
import {toYamlStream} from './yaml.js'

export function textTools(color: boolean): TextTools {
  return {columns: formatColumns, age: formatAge, yamlStream: toYamlStream, style: new Chalk({level: color ? 1 : 0})}
}

/** kubectl-style columns: left-aligned, separated by three spaces, no borders. */
export function formatColumns(rows: string[][], opts: {indent?: string} = {}): string {
  if (rows.length === 0) return ''
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))))
  return rows
    .map(
      (row) =>
        (opts.indent ?? '') +
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell) + 3)))
          .join('')
          .trimEnd(),
    )
    .join('\n')
}

// Colour codes take no room on screen.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g

function visibleLength(s: string): number {
  return s.replace(ANSI, '').length
}

/** kubectl's age form: 45s, 12m, 5h, 3d. */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return '<unknown>'
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}
