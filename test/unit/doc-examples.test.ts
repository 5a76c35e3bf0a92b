/** How the docs check finds the commands the text shows (test/helpers/doc-examples.ts). */
import {describe, expect, test} from '@jest/globals'
import {markdownExamples, splitNote} from '../helpers/doc-examples.js'

describe('splitNote', () => {
  test('a shell comment is the note; a # inside quotes is not', () => {
    expect(splitNote('kubectl srs --version   # kubectl-srs/0.1.0')).toEqual({command: 'kubectl srs --version', note: 'kubectl-srs/0.1.0'})
    expect(splitNote('kubectl srs cleanup --schedule "0 * * * #x"')).toEqual({command: 'kubectl srs cleanup --schedule "0 * * * #x"', note: ''})
  })
  test('in a synopsis, two spaces start the description', () => {
    expect(splitNote('kubectl srs status [WORKLOAD]   every SRS workload')).toEqual({command: 'kubectl srs status [WORKLOAD]', note: 'every SRS workload'})
  })
})

describe('markdownExamples', () => {
  const md = [
    'Prose mentions `kubectl srs status` but is not a fence.',
    '```sh',
    'npm ci',
    'source <(kubectl srs completion bash)   # or zsh',
    '                                        # a comment line continues nothing',
    'kubectl srs doctor [WORKLOAD] [-n NS]',
    '                   [--skip RULE]...',
    '# kubectl srs rollback   (a comment line is not a command)',
    '```',
    'kubectl srs canary outside any fence',
  ].join('\n')
  test('only command lines inside fences, with their line, note and wrapped continuation', () => {
    expect(markdownExamples(md, 'x.md')).toEqual([
      {text: 'source <(kubectl srs completion bash)', sources: ['x.md:4'], notes: ['or zsh']},
      {text: 'kubectl srs doctor [WORKLOAD] [-n NS] [--skip RULE]...', sources: ['x.md:6'], notes: []},
    ])
  })
})
