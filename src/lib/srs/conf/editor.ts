/**
 * Minimal-diff edits of srs.conf text. Each edit splices only the bytes of the directive it touches
 * (for a removal: that directive's line) into the serialized tree, reparses the result and checks it
 * with validateEdit, so an edit either yields a config SRS can parse with every other directive
 * intact, or throws.
 */
import {SrsError} from '../../errors.js'
import {directiveHeaderText, parseSrsConf, serializeSrsConf, type SrsConf, type SrsConfDirective} from './syntax.js'

/**
 * One step of a path: `'vhost __defaultVhost__'` (name then leading arguments, split on spaces) or
 * `{name: 'vhost', args: ['__defaultVhost__']}`. A step matches a directive with that name whose
 * arguments start with the given ones; like SRS's own lookups, the first match wins.
 */
export type SrsConfPathSegment = string | {readonly name: string; readonly args?: readonly string[]}
export type SrsConfPath = readonly SrsConfPathSegment[]

/** A directive to add: no `children` for `name args;`, `children` (maybe empty) for a block. */
export interface SrsConfDirectiveSpec {
  readonly name: string
  readonly args?: readonly string[]
  readonly children?: readonly SrsConfDirectiveSpec[]
}

export interface SrsConfEditValidation {
  readonly ok: boolean
  readonly problems: readonly string[]
}

/** An edit that cannot be made (missing path, unrepresentable value) or would damage the config. */
export class SrsConfEditError extends SrsError {
  constructor(message: string) {
    super(message, {reason: 'ConfigEdit'})
    this.name = 'SrsConfEditError'
  }
}

interface NormalizedSegment {
  readonly name: string
  readonly args: readonly string[]
}

function normalizeSegment(segment: SrsConfPathSegment): NormalizedSegment {
  if (typeof segment === 'string') {
    const [name, ...args] = segment.trim().split(/\s+/)
    if (!name) throw new SrsConfEditError('empty path segment')
    return {name, args}
  }
  if (!segment.name) throw new SrsConfEditError('empty path segment')
  return {name: segment.name, args: segment.args ?? []}
}

function segmentMatches(directive: SrsConfDirective, segment: NormalizedSegment): boolean {
  return directive.name === segment.name && segment.args.every((arg, i) => directive.args[i] === arg)
}

/** Human-readable form of a path, for messages. */
function formatSrsConfPath(path: SrsConfPath): string {
  return path
    .map(normalizeSegment)
    .map((segment) => [segment.name, ...segment.args].join(' '))
    .join(' > ')
}

/** The ancestors found along `path` and the directive at its end (null when the path stops early). */
function locate(conf: SrsConf, path: SrsConfPath): {found: SrsConfDirective[]; directive: SrsConfDirective | null} {
  const found: SrsConfDirective[] = []
  let children = conf.children
  for (let i = 0; i < path.length; i++) {
    const segment = normalizeSegment(path[i] as SrsConfPathSegment)
    const match = children.find((child) => segmentMatches(child, segment))
    if (!match) return {found, directive: null}
    found.push(match)
    if (i === path.length - 1) return {found, directive: match}
    if (!match.block) return {found, directive: null}
    children = match.block.children
  }
  return {found, directive: null}
}

/** The first directive at `path` (SRS reads the first one too), or null. */
export function findDirective(conf: SrsConf, path: SrsConfPath): SrsConfDirective | null {
  if (path.length === 0) return null
  return locate(conf, path).directive
}

/** Every directive matching the last step of `path`, under the first match of the earlier steps. */
export function findDirectives(conf: SrsConf, path: SrsConfPath): SrsConfDirective[] {
  if (path.length === 0) return []
  const parentPath = path.slice(0, -1)
  const parent = parentPath.length === 0 ? null : findDirective(conf, parentPath)
  if (parentPath.length > 0 && !parent?.block) return []
  const children = parent?.block?.children ?? conf.children
  const last = normalizeSegment(path[path.length - 1] as SrsConfPathSegment)
  return children.filter((child) => segmentMatches(child, last))
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

const BARE_WORD = /^[^\s;{}#'"]+$/

/** Writes a value as one SRS word, quoting it only when a bare word could not carry it. */
export function formatSrsConfWord(value: string): string {
  if (value === '') throw new SrsConfEditError('an empty argument cannot be written: SRS drops empty words')
  if (/[\r\n]/.test(value)) throw new SrsConfEditError(`argument ${JSON.stringify(value)} contains a line break`)
  if (BARE_WORD.test(value)) return value
  if (!value.includes('"')) return `"${value}"`
  if (!value.includes("'")) return `'${value}'`
  throw new SrsConfEditError(`argument ${JSON.stringify(value)} contains both quote characters`)
}

function checkDirectiveName(name: string): void {
  if (!BARE_WORD.test(name)) throw new SrsConfEditError(`invalid directive name ${JSON.stringify(name)}`)
}

const isBlankOnly = (text: string): boolean => /^[ \t]*$/.test(text)

function lineStartOf(text: string, offset: number): number {
  let i = offset
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--
  return i
}

/** Leading blanks of the line holding `offset`. */
function lineIndentOf(text: string, offset: number): string {
  const start = lineStartOf(text, offset)
  let end = start
  while (text[end] === ' ' || text[end] === '\t') end++
  return text.slice(start, end)
}

function startsItsLine(text: string, offset: number): boolean {
  return isBlankOnly(text.slice(lineStartOf(text, offset), offset))
}

function lineBreakOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n'
}

/** One indentation step as the file uses it (child indent minus parent indent); 4 spaces if unknown. */
function indentUnitOf(conf: SrsConf, text: string): string {
  const pending = [...conf.children]
  while (pending.length > 0) {
    const directive = pending.shift() as SrsConfDirective
    const first = directive.block?.children[0]
    if (first && startsItsLine(text, first.start) && startsItsLine(text, directive.start)) {
      const parentIndent = lineIndentOf(text, directive.start)
      const childIndent = lineIndentOf(text, first.start)
      if (childIndent.length > parentIndent.length && childIndent.startsWith(parentIndent)) {
        return childIndent.slice(parentIndent.length)
      }
    }
    pending.push(...(directive.block?.children ?? []))
  }
  return '    '
}

/** Where a plain directive's first argument starts relative to its name, when padded with spaces. */
function argColumnOf(directive: SrsConfDirective): number {
  const name = directive.tokens[directive.nameTokenIndex]
  const gap = directive.gaps[directive.nameTokenIndex]
  if (directive.block || !name || gap === undefined || !/^ {2,}$/.test(gap)) return 0
  return name.text.length + gap.length
}

function renderSpec(spec: SrsConfDirectiveSpec, indent: string, unit: string, eol: string, argColumn = 0): string {
  checkDirectiveName(spec.name)
  const args = (spec.args ?? []).map(formatSrsConfWord)
  // argColumn lines the first argument up with the siblings' (`listen          1985;`).
  const name = args.length > 0 && spec.name.length < argColumn ? spec.name.padEnd(argColumn - 1) : spec.name
  const head = [name, ...args].join(' ')
  if (!spec.children) return `${head};`
  if (spec.children.length === 0) return `${head} {${eol}${indent}}`
  const inner = indent + unit
  const body = spec.children.map((child) => inner + renderSpec(child, inner, unit, eol)).join(eol)
  return `${head} {${eol}${body}${eol}${indent}}`
}

/**
 * Where the line of `offset` ends, if only blanks and a comment follow it there: the offset of the
 * line break (or of the end of file). Null when something else (another directive, a `}`) follows.
 */
function endOfTrailingLine(text: string, offset: number): number | null {
  let i = offset
  while (text[i] === ' ' || text[i] === '\t') i++
  if (text[i] === '#') while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++
  if (i >= text.length || text[i] === '\n' || text[i] === '\r') return i
  return null
}

function lineBreakLengthAt(text: string, offset: number): number {
  if (text.startsWith('\r\n', offset)) return 2
  return text[offset] === '\n' || text[offset] === '\r' ? 1 : 0
}

// ---------------------------------------------------------------------------------------------
// Edits

function finishEdit(before: string, after: string, editedPath: SrsConfPath, editedPathAfter = editedPath): SrsConf {
  const validation = validateEdit(before, after, editedPath, editedPathAfter)
  if (!validation.ok) {
    throw new SrsConfEditError(`editing ${formatSrsConfPath(editedPath)} would damage the config: ${validation.problems.join('; ')}`)
  }
  return parseSrsConf(after)
}

function insertChildText(conf: SrsConf, text: string, parent: SrsConfDirective | null, spec: SrsConfDirectiveSpec): string {
  const eol = lineBreakOf(text)
  const unit = indentUnitOf(conf, text)
  const siblings = parent ? (parent.block?.children ?? []) : conf.children
  // A plain directive goes after the last plain sibling (scalars usually precede blocks), a block last.
  const plainSiblings = siblings.filter((sibling) => !sibling.block)
  const last = (spec.children ? undefined : plainSiblings[plainSiblings.length - 1]) ?? siblings[siblings.length - 1]

  if (last) {
    const indent = startsItsLine(text, last.start) ? lineIndentOf(text, last.start) : parent ? lineIndentOf(text, parent.start) + unit : ''
    const rendered = renderSpec(spec, indent, unit, eol, spec.children ? 0 : argColumnOf(last))
    const lineEnd = endOfTrailingLine(text, last.end)
    // Keep a comment that trails the last sibling on its line with that sibling.
    if (lineEnd !== null) return text.slice(0, lineEnd) + eol + indent + rendered + text.slice(lineEnd)
    return text.slice(0, last.end) + ' ' + rendered + text.slice(last.end)
  }

  if (parent?.block) {
    const parentIndent = lineIndentOf(text, parent.start)
    const indent = parentIndent + unit
    const rendered = renderSpec(spec, indent, unit, eol)
    const open = parent.block.openOffset
    const close = parent.block.closeOffset
    const body = text.slice(open + 1, close)
    if (/[\r\n]/.test(body)) {
      const lineEnd = endOfTrailingLine(text, open + 1) as number
      return text.slice(0, lineEnd) + eol + indent + rendered + text.slice(lineEnd)
    }
    // `name {}` on one line: open it up.
    return text.slice(0, open + 1) + eol + indent + rendered + eol + parentIndent + text.slice(close)
  }

  const rendered = renderSpec(spec, '', unit, eol)
  if (text === '') return rendered + eol
  if (text.endsWith('\n') || text.endsWith('\r')) return text + rendered + eol
  return text + eol + rendered
}

/**
 * Sets the arguments of the directive at `path`, e.g.
 * `setDirective(conf, ['vhost __defaultVhost__', 'cluster', 'coworkers'], ['a:1985', 'b:1985'])`.
 * Only the argument bytes change. When the directive (or some of its enclosing blocks) is missing
 * it is added, indented like its siblings.
 */
export function setDirective(conf: SrsConf, path: SrsConfPath, args: readonly string[]): SrsConf {
  if (path.length === 0) throw new SrsConfEditError('setDirective needs a non-empty path')
  const text = serializeSrsConf(conf)
  const {found, directive} = locate(conf, path)

  if (directive) {
    const nameToken = directive.tokens[directive.nameTokenIndex]
    if (!nameToken) throw new SrsConfEditError(`directive ${formatSrsConfPath(path)} has no name`)
    const from = nameToken.offset + nameToken.text.length
    const to = directive.terminatorOffset - directive.gapBeforeTerminator.length
    const firstGap = directive.gaps[directive.nameTokenIndex]
    const secondGap = directive.gaps[directive.nameTokenIndex + 1]
    const lead = firstGap !== undefined && firstGap !== '' && isBlankOnly(firstGap) ? firstGap : ' '
    const separator = secondGap !== undefined && secondGap !== '' && isBlankOnly(secondGap) ? secondGap : ' '
    const replacement = args.length > 0 ? lead + args.map(formatSrsConfWord).join(separator) : ''
    // New arguments may change how the directive is addressed (renaming `vhost a` to `vhost b`).
    const pathAfter = [...path.slice(0, -1), {name: directive.name, args}]
    return finishEdit(text, text.slice(0, from) + replacement + text.slice(to), path, pathAfter)
  }

  const parent = found[found.length - 1] ?? null
  if (parent && !parent.block) {
    throw new SrsConfEditError(`${formatSrsConfPath(path.slice(0, found.length))} is not a block`)
  }
  const missing = path.slice(found.length).map(normalizeSegment)
  let spec: SrsConfDirectiveSpec = {name: (missing[missing.length - 1] as NormalizedSegment).name, args}
  for (let i = missing.length - 2; i >= 0; i--) {
    const segment = missing[i] as NormalizedSegment
    spec = {name: segment.name, args: segment.args, children: [spec]}
  }
  return finishEdit(text, insertChildText(conf, text, parent, spec), path)
}

/**
 * Adds a directive or block to the block at `parentPath` ([] for the top level), on its own line,
 * indented like its siblings: a plain directive after the last plain sibling, a block at the end.
 */
export function addDirective(conf: SrsConf, parentPath: SrsConfPath, spec: SrsConfDirectiveSpec): SrsConf {
  const text = serializeSrsConf(conf)
  let parent: SrsConfDirective | null = null
  if (parentPath.length > 0) {
    parent = findDirective(conf, parentPath)
    if (!parent) throw new SrsConfEditError(`no directive at ${formatSrsConfPath(parentPath)}`)
    if (!parent.block) throw new SrsConfEditError(`${formatSrsConfPath(parentPath)} is not a block`)
  }
  const editedPath = [...parentPath, {name: spec.name, args: spec.args ?? []}]
  return finishEdit(text, insertChildText(conf, text, parent, spec), editedPath)
}

/**
 * Removes the directive or block at `path`. When it has its line(s) to itself (a trailing comment
 * aside) the whole line goes; otherwise only its own bytes.
 */
export function removeDirective(conf: SrsConf, path: SrsConfPath): SrsConf {
  const directive = findDirective(conf, path)
  if (!directive) throw new SrsConfEditError(`no directive at ${formatSrsConfPath(path)}`)
  const text = serializeSrsConf(conf)
  let from = directive.start
  let to = directive.end

  const lineEnd = startsItsLine(text, from) ? endOfTrailingLine(text, to) : null
  if (lineEnd !== null) {
    from = lineStartOf(text, from)
    to = lineEnd + lineBreakLengthAt(text, lineEnd)
    // Last line without a line break: take the break before it instead, so the file keeps its ending.
    if (lineEnd === text.length && from > 0) {
      from -= text.startsWith('\r\n', from - 2) ? 2 : 1
    }
  } else if (startsItsLine(text, from)) {
    // Something follows on the same line: drop the directive and the blanks after it.
    while (text[to] === ' ' || text[to] === '\t') to++
  } else {
    // Something precedes it on the line: drop the blanks before it, keep what follows.
    while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--
  }
  return finishEdit(text, text.slice(0, from) + text.slice(to), path)
}

// ---------------------------------------------------------------------------------------------
// Validation

function directiveKey(ancestors: readonly SrsConfDirective[], directive: SrsConfDirective): string {
  return [...ancestors, directive].map(directiveHeaderText).join(' > ')
}

function visit(children: readonly SrsConfDirective[], ancestors: SrsConfDirective[], callback: (directive: SrsConfDirective, ancestors: SrsConfDirective[]) => boolean): void {
  for (const child of children) {
    // The callback returns false to skip the subtree.
    if (!callback(child, ancestors)) continue
    if (child.block) visit(child.block.children, [...ancestors, child], callback)
  }
}

/** Directives of `conf` matching `path` with every match of every step (not only the first). */
function directivesOnPath(conf: SrsConf, path: SrsConfPath): {onPath: Set<SrsConfDirective>; ends: Set<SrsConfDirective>} {
  const segments = path.map(normalizeSegment)
  const onPath = new Set<SrsConfDirective>()
  const ends = new Set<SrsConfDirective>()
  const walk = (children: readonly SrsConfDirective[], depth: number): void => {
    const segment = segments[depth]
    if (!segment) return
    for (const child of children) {
      if (!segmentMatches(child, segment)) continue
      onPath.add(child)
      if (depth === segments.length - 1) ends.add(child)
      else if (child.block) walk(child.block.children, depth + 1)
    }
  }
  walk(conf.children, 0)
  return {onPath, ends}
}

/**
 * Checks an edit of `before` into `after`: `after` must parse, every directive of `before` except
 * the one at `editedPath` (and its body) must still be in `after` with identical text under
 * identical enclosing blocks, and anything new must lie on `editedPath` or inside the edited
 * directive. `editedPathAfter` addresses the edited directive in `after` when the edit changed its
 * arguments. Without `editedPath` the two configs must hold the same directives.
 */
export function validateEdit(before: string, after: string, editedPath: SrsConfPath = [], editedPathAfter: SrsConfPath = editedPath): SrsConfEditValidation {
  const problems: string[] = []
  let beforeConf: SrsConf
  let afterConf: SrsConf
  try {
    beforeConf = parseSrsConf(before)
  } catch (error) {
    return {ok: false, problems: [`the original config does not parse: ${(error as Error).message}`]}
  }
  try {
    afterConf = parseSrsConf(after)
  } catch (error) {
    return {ok: false, problems: [`the edited config does not parse: ${(error as Error).message}`]}
  }

  const edited = editedPath.length > 0 ? findDirective(beforeConf, editedPath) : null
  const expected = new Map<string, number>()
  visit(beforeConf.children, [], (directive, ancestors) => {
    if (directive === edited) return false
    const key = directiveKey(ancestors, directive)
    expected.set(key, (expected.get(key) ?? 0) + 1)
    return true
  })

  const {onPath, ends} = directivesOnPath(afterConf, editedPathAfter)
  visit(afterConf.children, [], (directive, ancestors) => {
    const key = directiveKey(ancestors, directive)
    const remaining = expected.get(key) ?? 0
    // The body of an edited directive is the edit's own business.
    const allowed = onPath.has(directive) || ancestors.some((ancestor) => ends.has(ancestor))
    if (remaining > 0) {
      expected.set(key, remaining - 1)
    } else if (!allowed) {
      problems.push(`unexpected directive ${key}`)
    }
    return true
  })
  for (const [key, count] of expected) {
    if (count > 0) problems.push(`missing directive ${key}`)
  }
  return {ok: problems.length === 0, problems}
}
