import {describe, expect, test} from '@jest/globals'
import {addDirective, findDirective, findDirectives, formatSrsConfWord, removeDirective, setDirective, SrsConfEditError, validateEdit} from '../../../src/lib/srs/conf/editor.js'
import {parseSrsConf, serializeSrsConf} from '../../../src/lib/srs/conf/syntax.js'
import {loadConfCorpus, loadConfFixture, loadTopologySrsConfs, topologySrsConf} from './corpus.js'

const originConfig = topologySrsConf('origin-cluster.yaml', 'srs-origin-config')
const edgeConfig = topologySrsConf('edge-cluster.yaml', 'srs-edge-config')
const COWORKERS = ['vhost __defaultVhost__', 'cluster', 'coworkers']

const edit = (text: string, fn: (conf: ReturnType<typeof parseSrsConf>) => ReturnType<typeof parseSrsConf>): string => serializeSrsConf(fn(parseSrsConf(text)))

describe('setDirective', () => {
  test('four coworkers on the guide’s srs-origin-config change exactly that line', () => {
    const four = ['srs-origin-0.socs:1985', 'srs-origin-1.socs:1985', 'srs-origin-2.socs:1985', 'srs-origin-3.socs:1985']
    const after = edit(originConfig, (conf) => setDirective(conf, COWORKERS, four))
    const lines = originConfig.split('\n')
    const index = lines.findIndex((line) => line.trimStart().startsWith('coworkers'))
    expect(lines[index]).toBe('        coworkers       srs-origin-0.socs:1985 srs-origin-1.socs:1985 srs-origin-2.socs:1985;')
    lines[index] = `        coworkers       ${four.join(' ')};`
    expect(after).toBe(lines.join('\n'))
    expect(findDirective(parseSrsConf(after), COWORKERS)?.args).toEqual(four)
  })

  test('every topology origin config takes a new coworkers list with a one-line diff', () => {
    const origins = loadTopologySrsConfs().filter((c) => c.configMap === 'srs-origin-config')
    expect(origins.map((c) => c.file)).toEqual(['origin-cluster.yaml', 'origins-as-deployments.yaml'])
    for (const origin of origins) {
      const after = edit(origin.text, (conf) => setDirective(conf, COWORKERS, ['a:1985']))
      const before = origin.text.split('\n')
      const changed = after.split('\n').filter((line, i) => line !== before[i])
      expect(changed).toEqual(['        coworkers       a:1985;'])
    }
  })

  test('edge origin list; structured path form', () => {
    const after = edit(edgeConfig, (conf) => setDirective(conf, [{name: 'vhost', args: ['__defaultVhost__']}, {name: 'cluster'}, {name: 'origin'}], ['o1', 'o2']))
    expect(after).toBe(edgeConfig.replace(/origin {10}[^;]*;/, 'origin          o1 o2;'))
  })

  test('keeps CRLF, comments and quoting; quotes values that need it', () => {
    const text = 'a {\r\n    key  "old value"  ; # why\r\n}\r\n'
    expect(edit(text, (conf) => setDirective(conf, ['a', 'key'], ['x y', 'z']))).toBe('a {\r\n    key  "x y" z  ; # why\r\n}\r\n')
    expect(edit(text, (conf) => setDirective(conf, ['a', 'key'], []))).toBe('a {\r\n    key  ; # why\r\n}\r\n')
  })

  test('adds a missing directive next to its plain siblings, aligned like them', () => {
    const after = edit(originConfig, (conf) => setDirective(conf, ['grace_start_wait'], ['700']))
    expect(after).toBe(originConfig.replace('daemon              off;\n', 'daemon              off;\ngrace_start_wait    700;\n'))
  })

  test('creates missing enclosing blocks with the file indentation', () => {
    const after = edit(edgeConfig, (conf) => setDirective(conf, ['vhost __defaultVhost__', 'hls', 'hls_path'], ['/data']))
    expect(after).toBe(edgeConfig.replace(/( {8}enabled {5}on;\n {4}\}\n)\}$/, '$1    hls {\n        hls_path /data;\n    }\n}'))
  })

  test('renames a vhost (its body is untouched)', () => {
    const after = edit(originConfig, (conf) => setDirective(conf, ['vhost __defaultVhost__'], ['live.example.com']))
    expect(after).toBe(originConfig.replace('vhost __defaultVhost__ {', 'vhost live.example.com {'))
  })

  test('refuses unwritable values', () => {
    const conf = parseSrsConf(originConfig)
    expect(() => setDirective(conf, ['listen'], [''])).toThrow(SrsConfEditError)
    expect(() => setDirective(conf, ['listen'], ['a\nb'])).toThrow(SrsConfEditError)
    expect(() => setDirective(conf, ['listen'], [`a'b"c`])).toThrow(SrsConfEditError)
    expect(() => setDirective(conf, ['listen', 'x'], ['1'])).toThrow('listen is not a block')
    expect(() => setDirective(conf, [], ['1'])).toThrow(SrsConfEditError)
  })
})

describe('the directives the commands edit, in every corpus file that has them', () => {
  const edited: Array<{path: string[]; values: string[]}> = [
    {path: ['vhost __defaultVhost__', 'cluster', 'coworkers'], values: ['o-0:1985', 'o-1:1985']},
    {path: ['vhost __defaultVhost__', 'cluster', 'origin'], values: ['o-0', 'o-1', 'o-2']},
    {path: ['inotify_auto_reload'], values: ['on']},
    {path: ['http_api', 'raw_api', 'allow_reload'], values: ['on']},
    {path: ['grace_start_wait'], values: ['700']},
    {path: ['grace_final_wait'], values: ['800']},
    {path: ['force_grace_quit'], values: ['on']},
    {path: ['vhost __defaultVhost__', 'hls', 'hls_path'], values: ['/srv/hls dir']},
    {path: ['vhost __defaultVhost__', 'dvr', 'dvr_path'], values: ['/srv/dvr/[stream].flv']},
  ]
  const cases = loadConfCorpus().flatMap((f) => edited.filter((e) => findDirective(parseSrsConf(f.text), e.path)).map((e) => [f.name, e.path.join(' > '), f.text, e] as const))

  test('the corpus has them', () => {
    expect(new Set(cases.map(([, path]) => path)).size).toBe(edited.length)
  })

  test.each(cases)('%s: %s changes only its own bytes', (_name, _path, text, {path, values}) => {
    const conf = parseSrsConf(text)
    const directive = findDirective(conf, path)!
    const after = serializeSrsConf(setDirective(conf, path, values))
    expect(after.slice(0, directive.start)).toBe(text.slice(0, directive.start))
    expect(after.slice(after.length - (text.length - directive.end))).toBe(text.slice(directive.end))
    expect(findDirective(parseSrsConf(after), path)?.args).toEqual(values)
    expect(validateEdit(text, after, path).ok).toBe(true)
  })
})

describe('addDirective', () => {
  test('appends a block at the top level', () => {
    const after = edit(originConfig, (conf) => addDirective(conf, [], {name: 'vhost', args: ['b.com'], children: [{name: 'hls', children: [{name: 'enabled', args: ['on']}]}]}))
    expect(after).toBe(`${originConfig}\nvhost b.com {\n    hls {\n        enabled on;\n    }\n}`)
  })

  test('into an empty block, keeps the trailing comment of the last sibling on its line', () => {
    expect(edit('a {\n}\n', (conf) => addDirective(conf, ['a'], {name: 'b', args: ['1']}))).toBe('a {\n    b 1;\n}\n')
    expect(edit('a {}\n', (conf) => addDirective(conf, ['a'], {name: 'b', args: ['1']}))).toBe('a {\n    b 1;\n}\n')
    expect(edit('a {\n\tx 1; # x\n}\n', (conf) => addDirective(conf, ['a'], {name: 'y', args: ['2']}))).toBe('a {\n\tx 1; # x\n\ty 2;\n}\n')
    expect(edit('', (conf) => addDirective(conf, [], {name: 'listen', args: ['1935']}))).toBe('listen 1935;\n')
  })

  test('refuses a missing or non-block parent', () => {
    const conf = parseSrsConf(originConfig)
    expect(() => addDirective(conf, ['nope'], {name: 'x'})).toThrow('no directive at nope')
    expect(() => addDirective(conf, ['listen'], {name: 'x'})).toThrow('listen is not a block')
    expect(() => addDirective(conf, [], {name: 'bad name'})).toThrow(SrsConfEditError)
  })
})

describe('removeDirective', () => {
  test('removes the line of a directive, or of a whole block', () => {
    const lines = originConfig.split('\n')
    const without = (predicate: (line: string) => boolean): string => lines.filter((line) => !predicate(line)).join('\n')
    expect(edit(originConfig, (conf) => removeDirective(conf, ['daemon']))).toBe(without((l) => l.startsWith('daemon')))
    expect(edit(originConfig, (conf) => removeDirective(conf, ['vhost __defaultVhost__', 'hls']))).toBe(originConfig.replace('\n    hls {\n        enabled         on;\n    }', ''))
  })

  test('keeps neighbours on the same line and the file ending', () => {
    expect(edit('a; b; c;', (conf) => removeDirective(conf, ['b']))).toBe('a; c;')
    expect(edit('a;\r\nb;', (conf) => removeDirective(conf, ['b']))).toBe('a;')
    expect(edit('x { a 1; }\n', (conf) => removeDirective(conf, ['x', 'a']))).toBe('x { }\n')
    expect(edit('a; # note\nb;\n', (conf) => removeDirective(conf, ['a']))).toBe('b;\n')
  })

  test('refuses a missing directive', () => {
    expect(() => removeDirective(parseSrsConf(originConfig), ['pid'])).toThrow(SrsConfEditError)
  })
})

describe('validateEdit', () => {
  const path = COWORKERS
  const before = originConfig
  test('accepts the editor output', () => {
    const after = edit(before, (conf) => setDirective(conf, path, ['x:1985']))
    expect(validateEdit(before, after, path)).toEqual({ok: true, problems: []})
  })

  test('rejects a result that does not parse', () => {
    const result = validateEdit(before, before.replace('http_remux {', 'http_remux'), path)
    expect(result.ok).toBe(false)
    expect(result.problems[0]).toMatch(/^the edited config does not parse: line 23, column 1: unexpected '\}'/)
  })

  test('rejects a change to another directive, naming it', () => {
    const after = before.replace('max_connections     1000;', 'max_connections     10;')
    const result = validateEdit(before, after, path)
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual(['unexpected directive max_connections     10;', 'missing directive max_connections     1000;'])
  })

  test('rejects a lost or an extra directive', () => {
    expect(validateEdit(before, before.replace('    http_remux {\n        enabled     on;\n    }\n', ''), path).problems).toEqual([
      'missing directive vhost __defaultVhost__ { > http_remux {',
      'missing directive vhost __defaultVhost__ { > http_remux { > enabled     on;',
    ])
    expect(validateEdit(before, `${before}\npid x;`, path).problems).toEqual(['unexpected directive pid x;'])
  })

  test('comments and blank lines are not directives', () => {
    expect(validateEdit(before, `# note\n${before}\n\n`).ok).toBe(true)
  })
})

describe('lookups and words', () => {
  test('findDirective takes the first match, findDirectives all of them', () => {
    const conf = parseSrsConf(loadConfFixture('several-http-api.conf'))
    expect(findDirective(conf, ['http_api', 'listen'])?.args).toEqual(['8080'])
    expect(findDirectives(conf, ['http_api']).map((d) => d.block?.children.find((c) => c.name === 'listen')?.args[0])).toEqual(['8080', '9090', '9091'])
    expect(findDirective(conf, ['vhost origin-a.example.com', 'cluster', 'coworkers'])?.args).toEqual(['10.0.0.2:9091'])
    expect(findDirective(conf, [])).toBeNull()
  })

  test('formatSrsConfWord quotes only when needed', () => {
    expect(formatSrsConfWord('srs-origin-0.socs:1985')).toBe('srs-origin-0.socs:1985')
    expect(formatSrsConfWord('[vhost]/[app]/[stream].flv')).toBe('[vhost]/[app]/[stream].flv')
    expect(formatSrsConfWord('a b')).toBe('"a b"')
    expect(formatSrsConfWord('say "hi"')).toBe(`'say "hi"'`)
    expect(formatSrsConfWord('#x')).toBe('"#x"')
  })
})
