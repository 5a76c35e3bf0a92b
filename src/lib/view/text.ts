/**
 * What renderers draw with: column layout, ages, YAML and colours. The command layer makes it
 * (src/lib/cli/text.ts) and hands it to the renderer, so nothing under view/ imports code.
 */
import type {ChalkInstance} from 'chalk'

export interface TextTools {
  /** kubectl-style columns: left-aligned, three spaces apart, no borders; colour codes take no room. */
  columns(rows: string[][], opts?: {indent?: string}): string
  /** kubectl's age form: 45s, 12m, 5h, 3d. */
  age(seconds: number | null): string
  /** Several documents as one YAML stream, `---` between them. */
  yamlStream(docs: readonly unknown[]): string
  /** Colours, already off when the user turned them off (--no-color, NO_COLOR, no terminal). */
  style: ChalkInstance
}
