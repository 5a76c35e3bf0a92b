/**
 * A pod's viewers: the one place a rollout counts them, for the plan (which pods go), the
 * deletion costs and drain progress. For now SRS's connection count from /api/v1/summaries
 * (which also counts HTTP API connections); it becomes the paged clients list when
 * src/lib/srs/api has one.
 */
import {querySrsSummaries} from '../srs/api/endpoints.js'
import type {SrsResult} from '../srs/api/result.js'
import type {PodTransport} from '../srs/api/transport.js'

export async function podViewers(transport: PodTransport, timeoutMs: number): Promise<SrsResult<number>> {
  const res = await querySrsSummaries(transport, {timeoutMs})
  return res.ok ? {ok: true, value: res.value.connections} : res
}
