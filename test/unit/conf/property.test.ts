import {describe, expect, test} from '@jest/globals'
import fc from 'fast-check'
import {findDirective, removeDirective, setDirective, validateEdit, type SrsConfPath} from '../../../src/lib/srs/conf/editor.js'
import {parseSrsConf, serializeSrsConf, type SrsConf, type SrsConfDirective} from '../../../src/lib/srs/conf/syntax.js'

// A model of a config, rendered with random layout; the parser must give back every byte.
interface ModelDirective {
  readonly leading: string
  readonly name: string
  readonly args: ReadonlyArray<{readonly gap: string; readonly text: string}>
  readonly beforeTerminator: string
  readonly body: {readonly children: readonly ModelDirective[]; readonly trailing: string} | null
}

const eol = fc.constantFrom('\n', '\r\n')
const blanks = fc.stringMatching(/^[ \t]{1,3}$/)
const comment = fc.tuple(fc.stringMatching(/^#[^\r\n]{0,12}$/), eol).map(([c, e]) => c + e)
const trivia = fc.array(fc.oneof(blanks, eol, comment), {maxLength: 4}).map((parts) => parts.join(''))
const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/)
const bareWord = fc.stringMatching(/^[a-z0-9_./:[\]-][a-z0-9_./:[\]$#}'"-]{0,8}$/)
const quotedWord = fc.tuple(fc.constantFrom('"', "'"), fc.stringMatching(/^[a-z0-9 ;{}#.$]{0,8}$/)).map(([q, body]) => q + body + q)
// `${X}` must be quoted: SRS's tokenizer ends a bare word at `{`.
const envWord = fc.oneof(
  name.map((n) => `$${n.toUpperCase()}`),
  name.map((n) => `"\${${n.toUpperCase()}}"`),
)
const word = fc.oneof({weight: 4, arbitrary: bareWord}, {weight: 2, arbitrary: quotedWord}, {weight: 1, arbitrary: envWord})
// Mostly blanks; sometimes a line break or comment, which SRS 4/5 accept inside a directive (a `#`
// glued to a word is part of the word, so a comment needs a blank before it).
const gap = fc.oneof(
  {weight: 6, arbitrary: blanks},
  {
    weight: 1,
    arbitrary: fc.oneof(
      eol,
      fc.tuple(blanks, comment).map(([b, c]) => b + c),
    ),
  },
)
const args = fc.array(fc.record({gap, text: word}), {maxLength: 3})

const tree = fc.letrec<{directive: ModelDirective; directives: readonly ModelDirective[]}>((tie) => ({
  directive: fc.record({
    leading: trivia,
    name,
    args,
    beforeTerminator: fc.oneof(fc.constant(''), blanks),
    body: fc.option(fc.record({children: tie('directives'), trailing: trivia}), {freq: 3, depthSize: 'small'}),
  }),
  directives: fc.array(tie('directive'), {maxLength: 4}),
})).directives

// A block name glued to `{` or `;` right after a quoted word is fine; two words need a gap (guaranteed).
function render(directive: ModelDirective): string {
  const head = directive.name + directive.args.map((a) => a.gap + a.text).join('') + directive.beforeTerminator
  if (!directive.body) return `${directive.leading}${head};`
  return `${directive.leading}${head}{${directive.body.children.map(render).join('')}${directive.body.trailing}}`
}

const document = fc.record({children: tree, trailing: trivia}).map(({children, trailing}) => children.map(render).join('') + trailing)

/** Every directive with a path that addresses exactly it (first match of name + all args at each level). */
function addressable(conf: SrsConf): Array<{path: SrsConfPath; directive: SrsConfDirective}> {
  const out: Array<{path: SrsConfPath; directive: SrsConfDirective}> = []
  const walk = (children: readonly SrsConfDirective[], prefix: SrsConfPath): void => {
    for (const child of children) {
      const path = [...prefix, {name: child.name, args: [...child.args]}]
      if (findDirective(conf, path) === child) out.push({path, directive: child})
      if (child.block) walk(child.block.children, path)
    }
  }
  walk(conf.children, [])
  return out
}

const newArgs = fc.array(
  fc.oneof(
    fc.stringMatching(/^[a-z0-9_.:-]{1,8}$/),
    fc.stringMatching(/^[a-z0-9 ;{}#]{1,8}$/).filter((s) => s.trim() !== ''),
  ),
  {maxLength: 4},
)

describe('property: round trip', () => {
  test('random configs (whitespace, comments, nesting, quotes, CRLF/LF) serialize back byte for byte', () => {
    fc.assert(
      fc.property(document, (text) => {
        expect(serializeSrsConf(parseSrsConf(text))).toBe(text)
      }),
      {numRuns: 400},
    )
  })
})

describe('property: a single edit touches only its directive', () => {
  test('setDirective changes only the bytes between the directive start and end', () => {
    fc.assert(
      fc.property(document, fc.nat(), newArgs, (text, pick, values) => {
        const conf = parseSrsConf(text)
        const targets = addressable(conf)
        fc.pre(targets.length > 0)
        const {path, directive} = targets[pick % targets.length]!
        const after = serializeSrsConf(setDirective(conf, path, values))
        const tail = text.length - directive.end
        expect(after.slice(0, directive.start)).toBe(text.slice(0, directive.start))
        expect(after.slice(after.length - tail)).toBe(text.slice(directive.end))
        const pathAfter = [...path.slice(0, -1), {name: directive.name, args: values}]
        // The new arguments may equal those of an earlier sibling, whose path then shadows the
        // edited directive (e.g. `_ {} _ ] {}` with `]` removed): such a case cannot be addressed.
        const shadow = findDirective(parseSrsConf(after), pathAfter)
        fc.pre(shadow === null || shadow.start >= directive.start)
        const edited = shadow
        expect(edited?.args).toEqual(values)
        expect(edited?.start).toBe(directive.start)
        expect(validateEdit(text, after, path, pathAfter).ok).toBe(true)
      }),
      {numRuns: 300},
    )
  })

  test('removeDirective changes only the line(s) of the directive', () => {
    fc.assert(
      fc.property(document, fc.nat(), (text, pick) => {
        const conf = parseSrsConf(text)
        const targets = addressable(conf)
        fc.pre(targets.length > 0)
        const {path, directive} = targets[pick % targets.length]!
        const after = serializeSrsConf(removeDirective(conf, path))
        // Bounds: the start of the directive's first line (one line break more at the very end of
        // the file) to the end of the line holding its last byte.
        let lineStart = directive.start
        while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--
        lineStart = Math.max(0, lineStart - 2)
        let lineEnd = directive.end
        while (lineEnd < text.length && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++
        lineEnd = Math.min(text.length, lineEnd + (text.startsWith('\r\n', lineEnd) ? 2 : 1))
        const tail = text.length - lineEnd
        expect(after.slice(0, lineStart)).toBe(text.slice(0, lineStart))
        expect(after.slice(after.length - tail)).toBe(text.slice(lineEnd))
        expect(text.length - after.length).toBeGreaterThanOrEqual(directive.end - directive.start)
        expect(validateEdit(text, after, path).ok).toBe(true)
      }),
      {numRuns: 300},
    )
  })
})
