import {describe, expect, it} from '@jest/globals'
import {KubeApiError, TimeoutError} from '../../../src/lib/errors.js'
import {listSrsStreams, querySrsVersions, requestSrsJson, type SrsHttpAnswer, type SrsTransport} from '../../../src/lib/srs/api/index.js'
import {fixtureAnswer, fixtureText, SRS_VERSIONS} from './fixtures.js'

const opts = {timeoutMs: 1000}
const answering =
  (answer: SrsHttpAnswer): SrsTransport =>
  async () =>
    answer
const json = (status: number, body: string): SrsHttpAnswer => ({status, contentType: 'application/json', body})

/** What the apiserver sends when it cannot dial the pod (e.g. SRS closed its listeners to drain). */
const dialRefusedStatus = (code: number) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'error trying to reach service: dial tcp 10.244.1.7:1985: connect: connection refused',
    reason: 'ServiceUnavailable',
    code,
  })

describe('failure classification', () => {
  it('times out a transport that never answers, without waiting for it', async () => {
    const never: SrsTransport = () => new Promise(() => undefined)
    const started = Date.now()
    const result = await querySrsVersions(never, {timeoutMs: 50})
    expect(result).toEqual({ok: false, failure: {reason: 'timeout', path: '/api/v1/versions', message: 'SRS API did not answer within 50 ms'}})
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('times out when the transport reports its own timeout', async () => {
    const result = await querySrsVersions(async () => {
      throw new TimeoutError('get pods/proxy timed out')
    }, opts)
    expect(result).toMatchObject({ok: false, failure: {reason: 'timeout'}})
  })

  it('classifies HTTP 500', async () => {
    const result = await querySrsVersions(answering({status: 500, contentType: 'text/plain', body: 'Internal Server Error'}), opts)
    expect(result).toEqual({ok: false, failure: {reason: 'http-500', httpStatus: 500, path: '/api/v1/versions', message: 'SRS API answered HTTP 500'}})
  })

  it('classifies HTTP 401 as http_api auth the pod proxy cannot pass', async () => {
    const result = await querySrsVersions(answering({status: 401, contentType: 'text/plain', body: ''}), opts)
    expect(result).toMatchObject({ok: false, failure: {reason: 'unauthorized', httpStatus: 401}})
    if (!result.ok) expect(result.failure.message).toMatch(/auth.*38775/)
  })

  it.each(SRS_VERSIONS)('classifies the real 302 of a path without trailing slash (%s)', async (version) => {
    const result = await requestSrsJson(answering(fixtureAnswer(version, 'streams-noslash-redirect.txt')), '/api/v1/streams', opts)
    expect(result).toMatchObject({ok: false, failure: {reason: 'http-302', message: 'SRS API answered HTTP 302 (redirect to /api/v1/streams/)'}})
  })

  it('classifies a body that is not JSON (Prometheus text, HTML, empty)', async () => {
    const metrics = fixtureText('v6.0-a1', 'metrics/api-port-metrics-idle.txt')
    for (const answer of [
      {status: 200, contentType: 'text/plain; version=0.0.4', body: metrics},
      {status: 200, contentType: 'text/html', body: '<html><body>hello</body></html>'},
      {status: 200, contentType: 'application/json', body: ''},
    ]) {
      expect(await querySrsVersions(answering(answer), opts)).toMatchObject({ok: false, failure: {reason: 'not-json', httpStatus: 200}})
    }
  })

  it.each(SRS_VERSIONS)('classifies a real answer cut short as truncated JSON (%s)', async (version) => {
    const body = fixtureText(version, 'streams-while-publishing-2.json')
    for (const cut of [1, Math.floor(body.length / 3), Math.floor(body.length / 2), body.length - 2]) {
      const transport = answering(json(200, body.slice(0, cut)))
      expect(await listSrsStreams(transport, opts)).toMatchObject({ok: false, failure: {reason: 'truncated-json'}})
    }
  })

  it.each(SRS_VERSIONS)('keeps the code of a real HTTP 200 error answer (%s)', async (version) => {
    const unknownStream = await requestSrsJson(answering(fixtureAnswer(version, 'streams-unknown-id.json')), '/api/v1/streams/nonexistent', opts)
    expect(unknownStream).toEqual({
      ok: false,
      failure: {reason: 'srs-error', srsCode: 2048, httpStatus: 200, path: '/api/v1/streams/nonexistent', message: 'SRS API answered error code 2048 (stream not found)'},
    })
    const testError = await requestSrsJson(answering(fixtureAnswer(version, 'tests-errors.json')), '/api/v1/tests/errors', opts)
    expect(testError).toMatchObject({ok: false, failure: {reason: 'srs-error', srsCode: 100}})
  })

  it.each(SRS_VERSIONS)('rejects the index document SRS serves for paths it does not know (%s)', async (version) => {
    const result = await querySrsVersions(answering(fixtureAnswer(version, 'unknown-path-api-v1-nonexistent.json')), opts)
    expect(result).toEqual({
      ok: false,
      failure: {reason: 'unexpected-json', httpStatus: 200, path: '/api/v1/versions', message: 'SRS API answered JSON without data.version'},
    })
  })

  it.each([502, 503])('classifies a v1 Status %i from the apiserver as refused', async (code) => {
    const result = await querySrsVersions(answering(json(code, dialRefusedStatus(code))), opts)
    expect(result).toEqual({
      ok: false,
      failure: {
        reason: 'refused',
        httpStatus: code,
        path: '/api/v1/versions',
        message: 'cannot connect to the SRS API port: error trying to reach service: dial tcp 10.244.1.7:1985: connect: connection refused',
      },
    })
  })

  it('keeps a 503 that is not the apiserver talking as an HTTP failure', async () => {
    const result = await querySrsVersions(answering({status: 503, contentType: 'text/plain', body: 'busy'}), opts)
    expect(result).toMatchObject({ok: false, failure: {reason: 'http-503'}})
  })

  it('lets errors that concern the whole cluster propagate', async () => {
    const forbidden = new KubeApiError('forbidden: user "dev" cannot get pods/proxy', {status: 403, reason: 'Forbidden'})
    await expect(
      querySrsVersions(async () => {
        throw forbidden
      }, opts),
    ).rejects.toBe(forbidden)
  })

  it('fails a listing when a later page fails', async () => {
    let calls = 0
    const transport: SrsTransport = async () => {
      calls++
      if (calls === 1) return json(200, JSON.stringify({code: 0, streams: Array.from({length: 10}, (_, i) => ({id: `vid-${i}`}))}))
      return {status: 500, contentType: 'text/plain', body: ''}
    }
    expect(await listSrsStreams(transport, {timeoutMs: 1000, pageSize: 10})).toMatchObject({
      ok: false,
      failure: {reason: 'http-500', path: '/api/v1/streams/?start=10&count=10'},
    })
  })
})
