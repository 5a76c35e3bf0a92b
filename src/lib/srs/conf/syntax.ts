/**
 * Lossless syntax tree for SRS's config language (srs.conf).
 *
 * The grammar follows SRS's own tokenizer (SrsConfDirective::read_token, modelled on nginx):
 * a directive is words separated by spaces or tabs and ended by `;` or by `{ ... }`; `#` starts a
 * comment only where a word could start; a word that starts with `'` or `"` runs to the same quote;
 * quotes, `#` and `}` inside a bare word are ordinary characters.
 *
 * Line breaks inside a directive: the SRS 4/5 tokenizer reads on across lines (so `listen 1935` with
 * a forgotten `;` swallows the next line, SRS issue #2228; several v4/v5 sample configs do this),
 * while current SRS (checked against the 7.x source) rejects a line break before the `;` or `{`.
 * The parser accepts both by default and rejects with `{strictLineBreaks: true}`.
 *
 * Every byte of the input lands in the tree (trivia = whitespace, line breaks and comments), so
 * `serializeSrsConf(parseSrsConf(text)) === text` for every input that parses.
 */
import {SrsError} from '../../errors.js'

/** One word of a directive exactly as written. */
export interface SrsConfToken {
  /** The bytes in the file, quotes included. */
  readonly text: string
  /** What SRS sees: the text without its quotes. */
  readonly value: string
  readonly quote: '"' | "'" | null
  /** `FOO` for an argument written as `$FOO` or `${FOO}`, else null. */
  readonly envReference: string | null
  readonly offset: number
  /** 1-based. */
  readonly line: number
  /** 1-based, in UTF-16 code units. */
  readonly column: number
}

export interface SrsConfBlock {
  readonly children: readonly SrsConfDirective[]
  /** Trivia after the last child (or after `{` when there is none), up to the `}`. */
  readonly trailingTrivia: string
  /** Offset of the `{`. */
  readonly openOffset: number
  /** Offset of the `}`. */
  readonly closeOffset: number
}

export interface SrsConfDirective {
  /** Whitespace, line breaks and comments between the previous directive (or `{`) and this one. */
  readonly leadingTrivia: string
  /**
   * Every word, the name included; `gaps[i]` is what separates `tokens[i]` from `tokens[i + 1]`:
   * blanks, or in the lenient mode also line breaks and comments.
   */
  readonly tokens: readonly SrsConfToken[]
  readonly gaps: readonly string[]
  readonly gapBeforeTerminator: string
  readonly terminator: ';' | '{'
  /** The `{ ... }` body, null for a `;` directive. */
  readonly block: SrsConfBlock | null
  /** The directive name as SRS reads it (its first non-empty word). */
  readonly name: string
  /** The arguments as SRS reads them: unquoted, with empty quoted words dropped (SRS drops them too). */
  readonly args: readonly string[]
  /** Index in `tokens` of the name word (0 unless the directive starts with an empty `""`). */
  readonly nameTokenIndex: number
  /** Offset of the first word. */
  readonly start: number
  /** Offset just past the `;` or the closing `}`. */
  readonly end: number
  readonly terminatorOffset: number
  readonly line: number
  readonly column: number
}

export interface SrsConf {
  readonly children: readonly SrsConfDirective[]
  /** Trivia after the last top-level directive. */
  readonly trailingTrivia: string
}

/** srs.conf text that SRS would reject; carries where and what was expected there. */
export class SrsConfParseError extends SrsError {
  readonly line: number
  readonly column: number
  /** What the parser expected at that position, e.g. `';' or '{'`. */
  readonly expected: string
  /** The problem without the position prefix. */
  readonly detail: string

  constructor(line: number, column: number, expected: string, detail: string) {
    super(`line ${line}, column ${column}: ${detail}`, {reason: 'ConfigParse'})
    this.name = 'SrsConfParseError'
    this.line = line
    this.column = column
    this.expected = expected
    this.detail = detail
  }
}

const ENV_REFERENCE = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$/

/**
 * The environment variable an argument refers to: `$FOO` and `${FOO}` give `FOO`.
 * SRS itself only resolves the `$FOO` form, and only for some directives (e.g. `candidate`).
 */
export function envReferenceOf(value: string): string | null {
  const match = ENV_REFERENCE.exec(value)
  if (!match) return null
  return match[1] ?? match[2] ?? null
}

const isBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t'
const isLineBreak = (ch: string | undefined): boolean => ch === '\n' || ch === '\r'
const isSpace = (ch: string | undefined): boolean => isBlank(ch) || isLineBreak(ch)

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of file'
  if (ch === '\n' || ch === '\r') return 'end of line'
  return `'${ch}'`
}

export interface ParseSrsConfOptions {
  /** Reject a line break (or comment) inside a directive, as current SRS does. Default false. */
  readonly strictLineBreaks?: boolean
}

class SrsConfParser {
  private pos = 0
  private readonly lineStarts: number[] = [0]
  private readonly strict: boolean

  constructor(
    private readonly text: string,
    options: ParseSrsConfOptions,
  ) {
    this.strict = options.strictLineBreaks ?? false
    for (let i = 0; i < text.length; i++) {
      // A lone CR ends a line for SRS 5+, CRLF counts once.
      if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) this.lineStarts.push(i + 1)
    }
  }

  parseFile(): SrsConf {
    const {children, trailingTrivia} = this.parseDirectives(null)
    return {children, trailingTrivia}
  }

  private lineColumn(offset: number): {line: number; column: number} {
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid
      else high = mid - 1
    }
    return {line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1}
  }

  private fail(offset: number, expected: string, detail: string): never {
    const {line, column} = this.lineColumn(offset)
    throw new SrsConfParseError(line, column, expected, detail)
  }

  /** Whitespace, line breaks and `#` comments (a comment runs to the end of its line). */
  private readTrivia(): string {
    const from = this.pos
    const text = this.text
    while (this.pos < text.length) {
      const ch = text[this.pos]
      if (isSpace(ch)) {
        this.pos++
      } else if (ch === '#') {
        while (this.pos < text.length && !isLineBreak(text[this.pos])) this.pos++
      } else {
        break
      }
    }
    return text.slice(from, this.pos)
  }

  private readBlanks(): string {
    const from = this.pos
    while (isBlank(this.text[this.pos])) this.pos++
    return this.text.slice(from, this.pos)
  }

  /** Directives until end of file (top level) or the `}` closing `owner`. */
  private parseDirectives(owner: {name: string; openOffset: number} | null): {
    children: SrsConfDirective[]
    trailingTrivia: string
  } {
    const children: SrsConfDirective[] = []
    for (;;) {
      const trivia = this.readTrivia()
      const ch = this.text[this.pos]
      if (ch === undefined) {
        if (owner) {
          const opened = this.lineColumn(owner.openOffset)
          this.fail(this.pos, "'}'", `unexpected end of file, expected '}' to close block "${owner.name}" opened at line ${opened.line}, column ${opened.column}`)
        }
        return {children, trailingTrivia: trivia}
      }
      if (ch === '}') {
        if (!owner) this.fail(this.pos, 'a directive or end of file', "unexpected '}', no block is open")
        return {children, trailingTrivia: trivia}
      }
      if (ch === ';') this.fail(this.pos, 'a directive name', "unexpected ';', expected a directive name before it")
      if (ch === '{') this.fail(this.pos, 'a directive name', "unexpected '{', expected a directive name before it")
      children.push(this.parseDirective(trivia))
    }
  }

  private parseDirective(leadingTrivia: string): SrsConfDirective {
    const tokens: SrsConfToken[] = []
    const gaps: string[] = []
    const start = this.pos
    let gapBeforeTerminator = ''
    let terminator: ';' | '{'
    for (;;) {
      tokens.push(this.readToken())
      const gap = this.strict ? this.readBlanks() : this.readTrivia()
      const ch = this.text[this.pos]
      if (ch === ';' || ch === '{') {
        gapBeforeTerminator = gap
        terminator = ch
        break
      }
      if (ch === undefined || ch === '}' || (this.strict && (isLineBreak(ch) || ch === '#'))) {
        const name = tokens.find((token) => token.value !== '')?.value ?? tokens[0]?.text ?? ''
        this.fail(this.pos, "';' or '{'", `expected ';' or '{' after directive "${name}", found ${describeChar(ch)}`)
      }
      gaps.push(gap)
    }
    const terminatorOffset = this.pos
    this.pos++

    const nameTokenIndex = tokens.findIndex((token) => token.value !== '')
    if (nameTokenIndex < 0) {
      this.fail(start, 'a directive name', 'expected a directive name, found only empty quoted words')
    }
    const name = tokens[nameTokenIndex]?.value ?? ''
    const args = tokens
      .slice(nameTokenIndex + 1)
      .map((token) => token.value)
      .filter((value) => value !== '')

    let block: SrsConfBlock | null = null
    if (terminator === '{') {
      const header = [name, ...args].join(' ')
      const body = this.parseDirectives({name: header, openOffset: terminatorOffset})
      block = {
        children: body.children,
        trailingTrivia: body.trailingTrivia,
        openOffset: terminatorOffset,
        closeOffset: this.pos,
      }
      this.pos++ // the '}'
    }

    const {line, column} = this.lineColumn(start)
    return {
      leadingTrivia,
      tokens,
      gaps,
      gapBeforeTerminator,
      terminator,
      block,
      name,
      args,
      nameTokenIndex,
      start,
      end: this.pos,
      terminatorOffset,
      line,
      column,
    }
  }

  private readToken(): SrsConfToken {
    const text = this.text
    const start = this.pos
    const first = text[start]
    let quote: '"' | "'" | null = null
    let value: string
    if (first === '"' || first === "'") {
      quote = first
      let i = start + 1
      while (i < text.length && text[i] !== quote && !(this.strict && isLineBreak(text[i]))) i++
      if (text[i] !== quote) {
        this.fail(start, `closing ${quote}`, `unterminated quoted string: expected a closing ${quote} before ${describeChar(text[i])}`)
      }
      value = text.slice(start + 1, i)
      this.pos = i + 1
      const next = text[this.pos]
      if (next !== undefined && !isSpace(next) && next !== ';' && next !== '{') {
        this.fail(this.pos, "whitespace, ';' or '{'", `expected whitespace, ';' or '{' after quoted string, found '${next}'`)
      }
    } else {
      let i = start
      while (i < text.length && !isSpace(text[i]) && text[i] !== ';' && text[i] !== '{') i++
      value = text.slice(start, i)
      this.pos = i
    }
    const {line, column} = this.lineColumn(start)
    return {
      text: text.slice(start, this.pos),
      value,
      quote,
      envReference: envReferenceOf(value),
      offset: start,
      line,
      column,
    }
  }
}

/** Parses srs.conf text into a lossless tree; throws SrsConfParseError where SRS would refuse it. */
export function parseSrsConf(text: string, options: ParseSrsConfOptions = {}): SrsConf {
  return new SrsConfParser(text, options).parseFile()
}

/** The exact text of one directive (its leading trivia excluded), block body included. */
export function serializeSrsConfDirective(directive: SrsConfDirective): string {
  let out = directive.tokens[0]?.text ?? ''
  for (let i = 1; i < directive.tokens.length; i++) out += (directive.gaps[i - 1] ?? '') + directive.tokens[i]?.text
  out += directive.gapBeforeTerminator + directive.terminator
  if (directive.block) {
    for (const child of directive.block.children) out += child.leadingTrivia + serializeSrsConfDirective(child)
    out += directive.block.trailingTrivia + '}'
  }
  return out
}

/** Text of the directive's own words and terminator: `listen 1935;`, or `vhost a.com {` for a block. */
export function directiveHeaderText(directive: SrsConfDirective): string {
  let out = directive.tokens[0]?.text ?? ''
  for (let i = 1; i < directive.tokens.length; i++) out += (directive.gaps[i - 1] ?? '') + directive.tokens[i]?.text
  return out + directive.gapBeforeTerminator + directive.terminator
}

/** Rebuilds the text from the tree; for a parsed tree this is exactly the parsed input. */
export function serializeSrsConf(conf: SrsConf): string {
  let out = ''
  for (const child of conf.children) out += child.leadingTrivia + serializeSrsConfDirective(child)
  return out + conf.trailingTrivia
}
