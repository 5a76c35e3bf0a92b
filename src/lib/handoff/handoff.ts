/**
 * --handoff-after: closes the clients a leaving pod still has after DURATION of draining, so its
 * players reconnect at once to pods that stay instead of being killed at the end of the grace
 * period. A terminating SRS stops listening about 1 s into its graceful quit, so the connection
 * the clients are closed through is opened before the scale-down and held (HTTP keep-alive) until
 * the hand-off; SRS counts that connection and waits for it, so it is closed right after, and on
 * every other path (closeAll). Rollouts (canary, promote, rollback) and reload's rolling restart
 * use it alike.
 */
import type {KubeClient} from '../kube/client.js'
import type {SrsApiCredentials} from '../srs/api/credentials.js'
import {countViewers, kickSrsClient, listSrsClients} from '../srs/api/endpoints.js'
import {sessionTransport, type SrsTransport} from '../srs/api/transport.js'

/**
 * SRS closes an HTTP connection that sends nothing for its receive timeout (15 s): a held session
 * asks for the clients list more often than that, which also tells when the pod has no viewer left.
 */
const KEEP_ALIVE_MS = 5000

interface Held {
  transport: SrsTransport
  close(): void
  keepAlive?: NodeJS.Timeout
  handOff?: NodeJS.Timeout
  /** Clients closed through the session once the hand-off ran (0: none were left). */
  closed?: Promise<number | null>
  resolveClosed?: (n: number | null) => void
  /** The hand-off is closing clients: a keep-alive's count must not end it as "none left". */
  handingOff?: boolean
}

export interface HandOffOptions {
  namespace: string
  apiPort: number
  credentials?: SrsApiCredentials
  afterMs: number
  /** Time for each SRS API answer. */
  podTimeoutMs: number
  log: (line: string) => void
}

/** The held sessions of the pods one step of a rollout or a reload removes. */
export class HandOff {
  private readonly held = new Map<string, Held>()

  constructor(
    private readonly kube: Pick<KubeClient, 'openPodApiSession'>,
    private readonly opts: HandOffOptions,
  ) {}

  /** Opens a session to each pod (before the step's writes); a pod that cannot be reached now is not handed off, and said so. */
  async open(pods: string[]): Promise<void> {
    await Promise.all(
      pods.map(async (pod) => {
        try {
          const session = await this.kube.openPodApiSession(this.opts.namespace, pod, this.opts.apiPort, {timeoutMs: this.opts.podTimeoutMs})
          const held: Held = {transport: sessionTransport(session, pod, this.opts.apiPort, this.opts.credentials), close: () => session.close()}
          held.keepAlive = setInterval(() => void this.ping(pod, held), KEEP_ALIVE_MS)
          held.keepAlive.unref()
          this.held.set(pod, held)
        } catch (error) {
          this.opts.log(`pod ${pod}: no connection to hold for the hand-off (${(error as Error).message}); it drains as the grace period allows`)
        }
      }),
    )
  }

  /** The pod started terminating: its hand-off runs after DURATION. Idempotent. */
  start(pod: string): void {
    const held = this.held.get(pod)
    if (!held || held.closed) return
    held.closed = new Promise((resolve) => (held.resolveClosed = resolve))
    held.handOff = setTimeout(() => void this.handOff(pod, held), this.opts.afterMs)
    this.opts.log(`pod ${pod}: its remaining clients are closed in ${this.opts.afterMs} ms`)
    // An idle pod need not wait for the next keep-alive to be let go.
    void this.ping(pod, held)
  }

  /** Closes every session still held, running or not: each one holds its pod's quit. */
  closeAll(): void {
    for (const [pod, held] of this.held) this.finish(pod, held, null)
  }

  private async ping(pod: string, held: Held): Promise<void> {
    const res = await listSrsClients(held.transport, {timeoutMs: this.opts.podTimeoutMs, pageSize: 100})
    // Draining and no viewer left: the session is all SRS still waits for.
    if (held.closed && !held.handingOff && res.ok && countViewers(res.value.clients).viewers === 0) this.finish(pod, held, 0)
  }

  private async handOff(pod: string, held: Held): Promise<void> {
    held.handingOff = true
    let closed = 0
    try {
      const res = await listSrsClients(held.transport, {timeoutMs: this.opts.podTimeoutMs, pageSize: 100})
      if (!res.ok) {
        this.opts.log(`pod ${pod}: cannot list its clients for the hand-off (${res.failure.message})`)
        return this.finish(pod, held, null)
      }
      for (const c of res.value.clients) {
        const kicked = await kickSrsClient(held.transport, c.id, {timeoutMs: this.opts.podTimeoutMs})
        if (kicked.ok) closed++
      }
      this.opts.log(`pod ${pod}: handed off, ${closed} client(s) closed through the SRS API`)
      this.finish(pod, held, closed)
    } catch (error) {
      this.opts.log(`pod ${pod}: hand-off failed (${(error as Error).message})`)
      this.finish(pod, held, closed || null)
    }
  }

  private finish(pod: string, held: Held, closed: number | null): void {
    clearInterval(held.keepAlive)
    clearTimeout(held.handOff)
    held.close()
    held.resolveClosed?.(closed)
    held.resolveClosed = undefined
    this.held.delete(pod)
    if (held.closed) this.started.set(pod, held.closed)
  }

  /** Hand-offs that started, kept once their session is closed. */
  private readonly started = new Map<string, Promise<number | null>>()

  /** For a pod that left: the clients its hand-off closed (null: unknown), waiting for one still running; undefined when none started. */
  result(pod: string): Promise<number | null> | undefined {
    return this.held.get(pod)?.closed ?? this.started.get(pod)
  }
}
