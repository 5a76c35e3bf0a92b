/**
 * A pod's viewers: the one place a rollout counts them, for the plan (which pods go), the
 * deletion costs and drain progress. Players and publishers from SRS's clients list, every page:
 * conn_srs (/api/v1/summaries) also counts open HTTP API connections, so it is not a viewer count.
 */
import {countViewers, listSrsClients} from '../srs/api/endpoints.js'
import type {SrsResult} from '../srs/api/result.js'
import type {PodTransport} from '../srs/api/transport.js'

export async function podViewers(transport: PodTransport, timeoutMs: number): Promise<SrsResult<number>> {
  const res = await listSrsClients(transport, {timeoutMs, pageSize: 100})
  return res.ok ? {ok: true, value: countViewers(res.value.clients).viewers} : res
}
