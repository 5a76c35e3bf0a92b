/**
 * The one YAML renderer of the plugin's output (-o yaml, --dry-run objects). Objects built from
 * shared parts (one labels object in metadata, selector and template) would otherwise come out
 * with anchors and aliases (`&a1` / `*a1`), which kubectl never prints and people cannot edit;
 * multi-line strings (scripts, srs.conf) are literal blocks, never folded, so they read and
 * diff as the text they are.
 */
import {stringify} from 'yaml'

const OPTIONS = {aliasDuplicateObjects: false, lineWidth: 0, blockQuote: 'literal'} as const

export function toYaml(doc: unknown): string {
  return stringify(doc, OPTIONS)
}

/** Several documents as one stream, `---` between them, ready for kubectl apply -f -. */
export function toYamlStream(docs: readonly unknown[]): string {
  return docs.map(toYaml).join('---\n')
}
