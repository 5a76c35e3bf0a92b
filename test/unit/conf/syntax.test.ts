import {describe, expect, test} from '@jest/globals'
import {directiveHeaderText, envReferenceOf, parseSrsConf, serializeSrsConf, serializeSrsConfDirective, SrsConfParseError, type SrsConfDirective} from '../../../src/lib/srs/conf/syntax.js'
import {loadConfCorpus, loadConfFixture, loadTopologySrsConfs} from './corpus.js'

const corpus = loadConfCorpus()
const topologyConfs = loadTopologySrsConfs()

/** Corpus files written the way only SRS 4/5 accept: a line break inside a directive. */
const LENIENT_ONLY = ['missing-semicolon.conf', 'multiline-directive.conf']

function directivesOf(children: readonly SrsConfDirective[]): SrsConfDirective[] {
  return children.flatMap((d) => [d, ...directivesOf(d.block?.children ?? [])])
}

describe('round trip of the corpus and the topology ConfigMaps', () => {
  test('the corpus is there', () => {
    expect(corpus.map((f) => f.name)).toEqual([
      'comments.conf',
      'crlf-tabs.conf',
      'defaults-written-out.conf',
      'edge-origin-list.conf',
      'edge-single-origin.conf',
      'empty-blocks.conf',
      'env-references.conf',
      'include.conf',
      'minimal.conf',
      'missing-semicolon.conf',
      'multiline-directive.conf',
      'origin-cluster-member.conf',
      'origin-plain.conf',
      'quoting.conf',
      'several-http-api.conf',
      'unicode.conf',
    ])
  })

  test('the corpus holds every shape the parser must keep and every directive the commands edit', () => {
    const texts = corpus.map((f) => f.text)
    const directives = corpus.flatMap((f) => directivesOf(parseSrsConf(f.text).children))
    const tokens = directives.flatMap((d) => d.tokens)
    const quotedWithSpaceAndSemicolon = (quote: string) => tokens.some((t) => t.quote === quote && t.value.includes(' ') && t.value.includes(';'))
    const shapes = {
      crlf: texts.some((t) => t.includes('\r\n')),
      tab: texts.some((t) => t.includes('\t')),
      unicode: texts.some((t) => [...t].some((ch) => ch.charCodeAt(0) > 0x7f)),
      noFinalLineBreak: texts.some((t) => !t.endsWith('\n')),
      commentAfterDirective: texts.some((t) => /;[ \t]*#/.test(t)),
      commentAtLineStart: texts.some((t) => /^#/m.test(t)),
      singleQuoted: quotedWithSpaceAndSemicolon("'"),
      doubleQuoted: quotedWithSpaceAndSemicolon('"'),
      envReference: tokens.some((t) => t.envReference !== null),
      emptyBlock: directives.some((d) => d.block !== null && d.block.children.length === 0),
      blockInBlock: directives.some((d) => d.block?.children.some((c) => c.block?.children.length)),
    }
    expect(Object.entries(shapes).filter(([, found]) => !found)).toEqual([])
    const names = new Set(directives.map((d) => d.name))
    const missing = [
      'include',
      'listen',
      'coworkers',
      'origin_cluster',
      'origin',
      'inotify_auto_reload',
      'auto_reload_for_docker',
      'http_api',
      'raw_api',
      'allow_reload',
      'auth',
      'username',
      'password',
      'grace_start_wait',
      'grace_final_wait',
      'force_grace_quit',
      'hls_path',
      'dvr_path',
      'srs_log_tank',
      'http_server',
      'rtc_server',
    ].filter((name) => !names.has(name))
    expect(missing).toEqual([])
  })

  test.each(corpus.map((f) => [f.name, f.text] as const))('%s round-trips byte for byte', (_name, text) => {
    expect(serializeSrsConf(parseSrsConf(text))).toBe(text)
  })

  test('test/topologies has five srs.conf ConfigMaps, origin and edge configs of the guide', () => {
    expect(topologyConfs.map((c) => c.name)).toEqual([
      'edge-canary-pair.yaml/srs-edge-config',
      'edge-cluster.yaml/srs-edge-config',
      'origin-cluster.yaml/srs-origin-config',
      'origins-as-deployments.yaml/srs-origin-config',
      'origins-as-deployments.yaml/srs-edge-config',
    ])
  })

  test.each(topologyConfs.map((c) => [c.name, c.text] as const))('topology %s round-trips byte for byte', (_name, text) => {
    expect(serializeSrsConf(parseSrsConf(text))).toBe(text)
  })

  test('every corpus file but the two with a line break inside a directive satisfies the strict rule of current SRS', () => {
    const strictFailures = corpus
      .filter((f) => {
        try {
          parseSrsConf(f.text, {strictLineBreaks: true})
          return false
        } catch {
          return true
        }
      })
      .map((f) => f.name)
    expect(strictFailures).toEqual(LENIENT_ONLY)
    for (const c of topologyConfs) expect(() => parseSrsConf(c.text, {strictLineBreaks: true})).not.toThrow()
  })

  test('a forgotten ";" swallows the next line leniently (as SRS 4 does) and fails strictly', () => {
    const text = loadConfFixture('missing-semicolon.conf')
    const conf = parseSrsConf(text)
    const listen = conf.children[2]
    expect(listen?.name).toBe('listen')
    expect(listen?.args).toEqual(['1935', 'max_connections', '1000'])
    expect(() => parseSrsConf(text, {strictLineBreaks: true})).toThrow("line 4, column 12: expected ';' or '{' after directive \"listen\", found end of line")
  })

  test('a directive split over lines with a comment inside keeps its words leniently', () => {
    const conf = parseSrsConf(loadConfFixture('multiline-directive.conf'))
    const origin = directivesOf(conf.children).find((d) => d.name === 'origin')
    expect(origin?.args).toEqual(['10.0.0.1:1935', '10.0.0.2:1935', '10.0.0.3:1935'])
    expect(origin?.gaps[1]).toBe('   # first origin\n               ')
  })
})

describe('tree', () => {
  const text = [
    '# head comment\r\n',
    'listen  1935 ;  # rtmp\r\n',
    'vhost __defaultVhost__ {\r\n',
    '\tcandidate $CANDIDATE;  vf \'split [a]; [b]\' "x{y}#z";\r\n',
    '\tnested{ a b;}\r\n',
    '}\r\n',
    'last;  # trailing text without a line break',
  ].join('')
  const conf = parseSrsConf(text)

  test('keeps every byte, CRLF included', () => {
    expect(serializeSrsConf(conf)).toBe(text)
  })

  test('is valid for current SRS too', () => {
    expect(() => parseSrsConf(text, {strictLineBreaks: true})).not.toThrow()
  })

  test('names, arguments, quotes, env references and positions', () => {
    const [listen, vhost, last] = conf.children
    expect(listen?.name).toBe('listen')
    expect(listen?.args).toEqual(['1935'])
    expect(listen?.leadingTrivia).toBe('# head comment\r\n')
    expect(directiveHeaderText(listen!)).toBe('listen  1935 ;')
    expect(vhost?.args).toEqual(['__defaultVhost__'])
    expect(vhost?.line).toBe(3)
    const [candidate, vf, nested] = vhost?.block?.children ?? []
    expect(candidate?.tokens[1]?.envReference).toBe('CANDIDATE')
    expect(candidate?.leadingTrivia).toBe('\r\n\t')
    expect(vf?.args).toEqual(['split [a]; [b]', 'x{y}#z'])
    expect(vf?.tokens.map((t) => t.quote)).toEqual([null, "'", '"'])
    expect(vf?.line).toBe(4)
    expect(vf?.column).toBe(25)
    expect(nested?.block?.children[0]?.args).toEqual(['b'])
    expect(serializeSrsConfDirective(nested!)).toBe('nested{ a b;}')
    expect(last?.name).toBe('last')
    expect(conf.trailingTrivia).toBe('  # trailing text without a line break')
  })

  test('bare words keep quotes, # and } that are not at their start', () => {
    const [d] = parseSrsConf('proxy_pass http://h:8080$uri a#b c"d" e}f;').children
    expect(d?.args).toEqual(['http://h:8080$uri', 'a#b', 'c"d"', 'e}f'])
  })

  test('empty quoted words are dropped from args like SRS drops them, but kept in the text', () => {
    const text2 = 'key "" value;'
    const conf2 = parseSrsConf(text2)
    expect(conf2.children[0]?.args).toEqual(['value'])
    expect(serializeSrsConf(conf2)).toBe(text2)
  })

  test('include and unknown directives are ordinary directives', () => {
    const conf2 = parseSrsConf('include ./conf/include.vhost.conf;\nwhatever_new { x 1; }\n')
    expect(conf2.children.map((d) => d.name)).toEqual(['include', 'whatever_new'])
  })

  test('env references: $NAME and ${NAME} only as a whole word', () => {
    expect(envReferenceOf('$CANDIDATE')).toBe('CANDIDATE')
    expect(envReferenceOf('${SRS_IP}')).toBe('SRS_IP')
    expect(envReferenceOf('http://x$uri')).toBeNull()
    expect(envReferenceOf('$')).toBeNull()
    expect(envReferenceOf('${A')).toBeNull()
  })

  test('empty and comment-only files', () => {
    for (const t of ['', '\n\n', '# only a comment', '# c\r\n  \t\r\n']) {
      const c = parseSrsConf(t)
      expect(c.children).toHaveLength(0)
      expect(serializeSrsConf(c)).toBe(t)
    }
  })
})

describe('malformed input', () => {
  const cases: Array<[string, string, {strictLineBreaks?: boolean}, number, number, string]> = [
    ['missing ; at end of line (strict)', 'max_connections 1000;\nhttp_api {\n    enabled on;\n    listen 1985\n}\n', {strictLineBreaks: true}, 4, 16, `expected ';' or '{' after directive "listen", found end of line`],
    ['missing ; before a closing brace', 'http_api {\n    listen 1985 }\n', {}, 2, 17, `expected ';' or '{' after directive "listen", found '}'`],
    ['missing ; at end of file', 'listen 1935', {}, 1, 12, `expected ';' or '{' after directive "listen", found end of file`],
    ['unbalanced }', 'listen 1935;\n}\n', {}, 2, 1, "unexpected '}', no block is open"],
    ['unterminated block', 'vhost a {\n  hls {\n    enabled on;\n  }\n', {}, 5, 1, `unexpected end of file, expected '}' to close block "vhost a" opened at line 1, column 9`],
    ['unterminated quote (lenient: to end of file)', "vhost a {\n  vf 'crop;\n}\n", {}, 2, 6, "unterminated quoted string: expected a closing ' before end of file"],
    ['unterminated quote (strict: to end of line)', 'a {\n  key "abc;\n}\n', {strictLineBreaks: true}, 2, 7, 'unterminated quoted string: expected a closing " before end of line'],
    ['text glued to a closing quote', 'key "a"b;', {}, 1, 8, "expected whitespace, ';' or '{' after quoted string, found 'b'"],
    ['stray ;', 'listen 1935;;', {}, 1, 13, "unexpected ';', expected a directive name before it"],
    ['block without a name', '{ a; }', {}, 1, 1, "unexpected '{', expected a directive name before it"],
    ['only empty words', '\'\' "";', {}, 1, 1, 'expected a directive name, found only empty quoted words'],
    ['comment inside a directive (strict)', 'listen 1935 # rtmp\n;', {strictLineBreaks: true}, 1, 13, `expected ';' or '{' after directive "listen", found '#'`],
  ]

  test.each(cases)('%s', (_label, input, options, line, column, detail) => {
    let caught: unknown
    try {
      parseSrsConf(input, options)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(SrsConfParseError)
    const error = caught as SrsConfParseError
    expect({line: error.line, column: error.column, detail: error.detail}).toEqual({line, column, detail})
    expect(error.message).toBe(`line ${line}, column ${column}: ${detail}`)
    expect(error.expected).not.toBe('')
  })

  test('CRLF line counting', () => {
    expect(() => parseSrsConf('a;\r\nb;\r\n}\r\n')).toThrow('line 3, column 1:')
  })
})
