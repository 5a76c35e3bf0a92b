/**
 * Every `kubectl srs …` command the project shows its users: the examples of each command's
 * --help (from oclif.manifest.json, written by `npm run build`) and the command lines in the code
 * fences of README.md and docs/*.md. test/e2e/docs.test.ts runs them against the local cluster.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

export interface DocExample {
  /** The command as the text shows it, with `kubectl srs` for oclif's `<%= config.bin %>`. */
  text: string
  /** Where it is shown: `status --help`, `README.md:124`. One text may be shown in several places. */
  sources: string[]
  /** What the text says about it: the --help description, or the note after the command. */
  notes: string[]
}

const BIN = '<%= config.bin %>'

/** The --help examples of every command in the manifest. */
export function helpExamples(manifestFile: string): DocExample[] {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {commands: Record<string, {examples?: (string | {command: string; description?: string})[]}>}
  const out: DocExample[] = []
  for (const [id, command] of Object.entries(manifest.commands)) {
    for (const example of command.examples ?? []) {
      const {command: text, description} = typeof example === 'string' ? {command: example, description: undefined} : example
      out.push({text: text.replaceAll(BIN, 'kubectl srs').trim(), sources: [`${id} --help`], notes: description ? [description] : []})
    }
  }
  return out
}

/**
 * Splits a code-fence line into the command and its note: a shell comment (` # …`) or, in a
 * synopsis, the text after two or more spaces. Quotes are respected.
 */
export function splitNote(line: string): {command: string; note: string} {
  let quote = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === quote) quote = ''
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return {command: line.slice(0, i).trim(), note: line.slice(i + 1).trim()}
    else if (c === ' ' && line[i + 1] === ' ' && line.slice(0, i).trim() !== '') {
      const rest = line.slice(i).trim()
      return rest.startsWith('#') ? {command: line.slice(0, i).trim(), note: rest.slice(1).trim()} : {command: line.slice(0, i).trim(), note: rest}
    }
  }
  return {command: line.trim(), note: ''}
}

/**
 * The `kubectl srs` command lines in the code fences of a Markdown text. An indented line right
 * after a command line continues it (a synopsis wrapped over two lines); a line that is only a
 * comment is not a command.
 */
export function markdownExamples(text: string, file: string): DocExample[] {
  const out: DocExample[] = []
  let inFence = false
  let last: DocExample | undefined
  for (const [i, line] of text.split('\n').entries()) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence
      last = undefined
      continue
    }
    if (!inFence) continue
    if (last && /^\s+\S/.test(line) && !line.trim().startsWith('#')) {
      const {command, note} = splitNote(line)
      last.text = `${last.text} ${command}`
      if (note) last.notes.push(note)
      continue
    }
    const {command, note} = splitNote(line)
    if (!/(^|[\s(])kubectl srs(\s|$)/.test(command)) {
      last = undefined
      continue
    }
    last = {text: command, sources: [`${file}:${i + 1}`], notes: note ? [note] : []}
    out.push(last)
  }
  return out
}

/** Every example of the project, one entry per distinct command text. */
export function allExamples(root: string): DocExample[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`)
  const found = [...helpExamples(path.join(root, 'oclif.manifest.json')), ...['README.md', ...docs].flatMap((f) => markdownExamples(readFileSync(path.join(root, f), 'utf8'), f))]
  const byText = new Map<string, DocExample>()
  for (const e of found) {
    const key = e.text.replaceAll(/\s+/g, ' ')
    const seen = byText.get(key)
    if (seen) {
      seen.sources.push(...e.sources)
      seen.notes.push(...e.notes)
    } else byText.set(key, {...e, text: key})
  }
  return [...byText.values()]
}
