/**
 * The `-o json` contracts of `clients` and `kick`: types only, so the views can import them
 * without pulling in the code that talks to the cluster.
 */

/** play: players (rtmp-play, flv-play...); publish: publishers (fmle-publish...). */
export type ClientDirection = 'play' | 'publish'

export interface ClientReport {
  namespace: string
  pod: string
  workload: string
  /** SRS's client id (8 characters, its log context id); unique within one SRS process only. */
  id: string
  /** As SRS reports it: rtmp-play, flv-play, fmle-publish... (SRS 4 reports HTTP-FLV players as rtmp-play). */
  type: string
  direction: ClientDirection
  ip: string
  /** app/name, e.g. live/livestream. */
  stream: string
  aliveSeconds: number
  /** kbps.send_30s for a player, kbps.recv_30s for a publisher (30 s windows: 0 for about the first 30 s). */
  kbps: number
}

export interface UnreachablePod {
  namespace: string
  pod: string
  reason: string
  message: string
}

export interface ClientsResult {
  apiVersion: 'kubectl-srs/v1alpha1'
  kind: 'SrsClients'
  clients: ClientReport[]
  /** Pods that could not be asked, with the reason (exit code 3). */
  unreachable: UnreachablePod[]
}

export type KickOutcome = 'closed' | 'gone-already' | 'still-connected' | 'failed' | 'planned'

export interface KickedClient extends ClientReport {
  outcome: KickOutcome
  /** Why it failed or is still there; empty otherwise. */
  message: string
}

export interface KickResult {
  apiVersion: 'kubectl-srs/v1alpha1'
  kind: 'SrsKick'
  dryRun: boolean
  /** What was asked: client ids, or a stream (and whether only its publishers). */
  request: {clientIds: string[]; stream: string | null; publishersOnly: boolean}
  clients: KickedClient[]
  unreachable: UnreachablePod[]
  summary: {planned: number; closed: number; goneAlready: number; stillConnected: number; failed: number}
}
