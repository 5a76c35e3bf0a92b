/**
 * The real-SRS suite (`npm run test:real-srs`; not part of `npm test`: CI has no SRS build).
 *
 * On a cluster of its own (namespace `$SRS_K8S_NETNS-suite`, a free port, a temporary state
 * folder sharing `.cluster/bin`) with real SRS builds (SRS_K8S_REAL_SRS, see
 * test/cluster/README.md "Real SRS builds"; build them with scripts/build-srs.sh), it brings
 * up the guide's origin cluster (StatefulSet, SRS 6) and 4 edges (SRS 4, the topology's graceful
 * quit and preStop, terminationGracePeriodSeconds 120), one ffmpeg publishing into srs-origin-0
 * and ffmpeg RTMP players on the edges (2, 3, 1 and 0 per pod) inside the cluster's network
 * namespace, then runs canary 25 % → promote → rollback, reload of the edges (after a change of
 * their ConfigMap: a rolling restart with players on them), add-origin and remove-origin with the
 * built plugin (bin/run.js, -o json) and prints per command: wall time, exit code, viewers cut as
 * the players saw it and as the command reported it (its -o json: pods left 'cut', or restarted
 * and not drained), viewers handed off, per player whether its stream ended and how long until it
 * played again, and how long each pod that left without players took from Terminating to gone.
 *
 * A player whose stream ends (ffmpeg exits: the connection closed, or no byte for 5 s, its
 * read timeout) is started again at once against a Ready edge that stays, as a player
 * reconnecting through the Service would be. It counts as handed off when the connection was
 * closed while frames still came (within the read timeout) on a pod that had turned Terminating,
 * more than 2 s before its grace period ran out (SRS or the plugin closed it; the pod may be gone
 * by then); otherwise as cut (the pod was killed under it, or the stream froze). Both
 * configs get `inotify_auto_reload on`, so add-origin and remove-origin can confirm the new
 * lists. Everything it starts (players, publisher, cluster) is stopped at the end, also on
 * failure or Ctrl-C.
 *
 *   SRS_K8S_REAL_SRS='ossrs/srs:v4.0.271=/builds/srs4,ossrs/srs:v6.0.157=/builds/srs6' npm run test:real-srs
 *
 * The keys must be tagged images: the SRS 4 one is the edges' image, the SRS 6 one the
 * origins' and the canary's target (`--to` its tag). Needs root, ffmpeg (Debian package
 * `ffmpeg`) and `npm run build` first.
 *
 * Extra flags per command, for variants (split on spaces): REAL_SRS_ROLLOUT_FLAGS (canary,
 * promote, rollback; e.g. '--handoff-after 5s'), REAL_SRS_RELOAD_FLAGS, REAL_SRS_ORIGIN_FLAGS
 * (add-origin, remove-origin).
 *
 * REAL_SRS_PROGRESSIVE (e.g. '--steps 25,50 --interval 30s --promote'): the progressive canary
 * (`canary --to TAG <these flags> <REAL_SRS_ROLLOUT_FLAGS>`) instead of canary 25 % and promote;
 * the report adds each step's analysis (verdicts and figures from its -o json) and, once during
 * each step's interval, `top -o json`'s viewers per track and pod against the players' own count;
 * rollback follows unless the run aborted (it rolled back already).
 * REAL_SRS_KILL_CANARY=N: right after step N's capture, a canary pod's SRS is killed (SIGKILL through
 * podsim's control endpoint), so the analysis must abort and roll back. REAL_SRS_ONLY=rollout:
 * the rollout commands only (no reload, add-origin, remove-origin).
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {ROOT} from '../helpers/cli.js'
import {ownCluster, type OwnCluster} from '../helpers/own-cluster.js'
import {TOPOLOGIES} from '../helpers/topologies.js'
import {ROLLOUT_ANNOTATION} from '../../src/lib/vocabulary.js'

const NS = 'live'
const EDGE = 'srs-edge-deploy'
const ORIGIN = 'srs-origin'
const PLAYERS_PER_EDGE = [2, 3, 1, 0]
/** A player with no new frame for this long is not playing. */
const STALL_MS = 4000
/** ffmpeg's read timeout: a connection with no byte for this long ends the player. */
const READ_TIMEOUT_US = 5_000_000
const STREAM = 'live/livestream'
/** After a command, how long the players get to play again before the next one. */
const SETTLE_MS = 90_000
/** After a command, how long the pods it took away get to be gone: the edges' grace period (120 s) and some. */
const LEAVE_MS = 150_000
/** The edges' terminationGracePeriodSeconds in the guide's YAML. */
const EDGE_GRACE_MS = 120_000
/** When the watcher first saw each pod Terminating (kept across commands: names never repeat). */
const terminatingSince = new Map<string, number>()

function fail(message: string, hint: string, code = 1): never {
  process.stderr.write(`error: ${message}\nhint: ${hint}\n`)
  process.exit(code)
}

/** The SRS 4 and SRS 6 images of SRS_K8S_REAL_SRS (tagged keys). */
export function buildImages(mapping: string): {edge: string; target: string; targetTag: string} {
  const images = mapping
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => e.slice(0, e.indexOf('=')))
  const tagOf = (image: string): string => {
    const last = image.split('/').pop() ?? ''
    return last.includes(':') ? last.slice(last.indexOf(':') + 1) : ''
  }
  const edge = images.find((i) => /^v?4\./.test(tagOf(i)))
  const target = images.find((i) => /^v?6\./.test(tagOf(i)))
  if (!edge || !target) {
    fail(`SRS_K8S_REAL_SRS ('${mapping}') must map a tagged SRS 4 image and a tagged SRS 6 image`, "SRS_K8S_REAL_SRS='ossrs/srs:v4.0.271=/builds/srs4,ossrs/srs:v6.0.157=/builds/srs6' (builds: scripts/build-srs.sh SRC_DIR OUT_DIR)", 2)
  }
  return {edge, target, targetTag: tagOf(target)}
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`

let cluster: OwnCluster | undefined
const children = new Set<ChildProcess>()

function kubectl(args: string[], input?: string): string {
  return cluster!.kubectl(args, input)
}

/** Extra flags of a variant from the environment variable `name`. */
function flagsOf(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean)
}

interface PodInfo {
  name: string
  ip: string
  ready: boolean
  terminating: boolean
  image: string
  /** The SRS container's terminated state ("exit 0 Completed", "exit 137 Error: …"), once the kubelet wrote one. */
  ended?: string
}

function pods(app: string): PodInfo[] {
  const list = JSON.parse(kubectl(['get', 'pods', '-n', NS, '-l', `app=${app}`, '-o', 'json'])) as {
    items: {
      metadata: {name: string; deletionTimestamp?: string}
      spec: {containers: {image: string}[]}
      status: {podIP?: string; conditions?: {type: string; status: string}[]; containerStatuses?: {state?: {terminated?: {exitCode?: number; reason?: string; message?: string}}}[]}
    }[]
  }
  return list.items.map((p) => ({
    ended: ((t) => (t ? `exit ${t.exitCode}${t.reason ? ` ${t.reason}` : ''}${t.message ? `: ${t.message}` : ''}` : undefined))(p.status.containerStatuses?.[0]?.state?.terminated),
    name: p.metadata.name,
    ip: p.status.podIP ?? '',
    ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: Boolean(p.metadata.deletionTimestamp),
    image: p.spec.containers[0]?.image ?? '',
  }))
}

function podExists(name: string): {exists: boolean; terminating: boolean; graceEndsAt?: number} {
  const r = spawnSync('kubectl', ['get', 'pod', '-n', NS, name, '-o', 'jsonpath={.metadata.deletionTimestamp}'], {
    env: {...process.env, KUBECONFIG: cluster!.kubeconfig},
    encoding: 'utf8',
  })
  const deletion = r.status === 0 ? r.stdout.trim() : ''
  // deletionTimestamp is when the grace period runs out (the kubelet's SIGKILL)
  return {exists: r.status === 0, terminating: deletion !== '', ...(deletion ? {graceEndsAt: Date.parse(deletion)} : {})}
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = fn()
      if (v !== undefined && v !== false) return v
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await sleep(500)
  }
}

/** ffmpeg inside the cluster's network namespace, in a process group of its own. */
function ffmpeg(args: string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', cluster!.netns, 'ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** What happened to one player's stream during one command. */
interface StreamEnd {
  player: number
  pod: string
  at: number
  how: string
  kind: 'cut' | 'handed off'
  /** ms from the end until the restarted player got frames again; undefined: not yet. */
  backAfterMs?: number
  to?: string
}

class Player {
  child?: ChildProcess
  pod = ''
  playingSince?: number
  lastFrameAt = 0
  frames = 0
  stopping = false
  pendingEnd?: StreamEnd

  constructor(
    readonly id: number,
    private readonly onEnd: (p: Player, how: string) => void,
  ) {}

  start(pod: PodInfo): void {
    this.pod = pod.name
    this.playingSince = undefined
    this.frames = 0
    this.lastFrameAt = Date.now()
    const child = ffmpeg(['-rw_timeout', String(READ_TIMEOUT_US), '-i', `rtmp://${pod.ip}/${STREAM}`, '-c', 'copy', '-f', 'null', '-', '-progress', 'pipe:1'])
    this.child = child
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-400)))
    child.stdout?.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/^frame=(\d+)$/gm)) {
        const n = Number(m[1])
        if (n > this.frames) {
          this.frames = n
          this.lastFrameAt = Date.now()
          if (this.playingSince === undefined) {
            this.playingSince = Date.now()
            if (this.pendingEnd) {
              this.pendingEnd.backAfterMs = this.playingSince - this.pendingEnd.at
              this.pendingEnd = undefined
            }
          }
        }
      }
    })
    child.on('exit', (code, signal) => {
      if (this.child !== child || this.stopping) return
      this.child = undefined
      const last = stderr.trim().split('\n').pop() ?? ''
      this.onEnd(this, `ffmpeg exit ${code ?? signal}${last ? `: ${last}` : ''}`)
    })
  }

  playing(): boolean {
    return this.child !== undefined && this.playingSince !== undefined && Date.now() - this.lastFrameAt < STALL_MS
  }

  stop(): void {
    this.stopping = true
    if (this.child) killGroup(this.child)
  }
}

/** A pod that left during a command: when it turned Terminating, with how many players, and when it was gone. */
interface PodExit {
  pod: string
  terminatingAt: number
  players: number
  goneAt?: number
  /** The SRS container's terminated state, as last seen before the pod went (the kubelet writes it first). */
  ended?: string
}

interface CommandReport {
  command: string
  wallMs: number
  exitCode: number | null
  ends: StreamEnd[]
  /** Viewers cut as the command's -o json reports them; null: it printed no JSON. */
  reportedCut: number | null
  exits: PodExit[]
  /** players still without frames SETTLE_MS after the command ended */
  notPlaying: number[]
  output: string
  /** What the command's `during` found while it ran (top against the players, a kill). */
  notes: string[]
}

async function main(): Promise<void> {
  const mapping = process.env.SRS_K8S_REAL_SRS ?? ''
  if (!mapping) {
    fail('SRS_K8S_REAL_SRS is not set: the suite runs real SRS builds', "SRS_K8S_REAL_SRS='ossrs/srs:v4.0.271=/builds/srs4,ossrs/srs:v6.0.157=/builds/srs6' (scripts/build-srs.sh builds them)", 2)
  }
  const {edge, target, targetTag} = buildImages(mapping)
  if (spawnSync('ffmpeg', ['-version']).status !== 0) fail('ffmpeg is not installed', 'apt-get install -y ffmpeg')
  if (!existsSync(path.join(ROOT, 'dist'))) fail('the plugin is not built', 'npm run build')

  cluster = await ownCluster('suite', mapping)
  log(`cluster ${cluster.netns} (state ${cluster.state}); edges ${edge}, origins and target ${target}`)
  cluster.up()
  kubectl(['create', 'namespace', NS])

  const topology = (file: string): string => readFileSync(path.join(TOPOLOGIES, file), 'utf8')
  // The images' CMD reads conf/docker.conf, which the ConfigMap mounted on conf/ hides (the
  // simulation falls back to srs.conf; a real SRS does not): the SRS containers name srs.conf.
  const runSrsConf = (image: string): string => `image: ${image}\n        command: ["./objs/srs", "-c", "conf/srs.conf"]`
  const reloads = (text: string): string => text.replace(/^( {4}daemon {14}off;)$/m, '$1\n    inotify_auto_reload on;')
  const origin = reloads(topology('origin-cluster.yaml').replace('image: ossrs/srs:3', runSrsConf(target)))
  const edges = reloads(topology('edge-cluster.yaml').replace('image: ossrs/srs:v4.0.5', runSrsConf(edge)).replace('replicas: 2', `replicas: ${PLAYERS_PER_EDGE.length}`))
  if (!origin.includes(target) || !edges.includes(edge) || !origin.includes('inotify_auto_reload') || !edges.includes('inotify_auto_reload')) throw new Error('the topologies changed: their images are not where the suite replaces them')
  kubectl(['apply', '-n', NS, '-f', '-'], [topology('pvc.yaml'), origin, edges].join('\n---\n'))
  // polled, not `kubectl rollout status`: a blocking call would hold off Ctrl-C's cleanup
  await until('3 origins Ready', () => pods(ORIGIN).filter((p) => p.ready).length === 3, 180_000)
  await until(`${PLAYERS_PER_EDGE.length} edges Ready`, () => pods('srs-edge').filter((p) => p.ready).length === PLAYERS_PER_EDGE.length, 180_000)

  const origin0 = await until('srs-origin-0 Ready', () => pods(ORIGIN).find((p) => p.name === 'srs-origin-0' && p.ready && p.ip), 60_000)
  const publisher = ffmpeg([
    '-re',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x240:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=44100',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    '25',
    '-b:v',
    '300k',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    `rtmp://${origin0.ip}/${STREAM}`,
  ])
  let publisherErr = ''
  publisher.stderr?.on('data', (d: Buffer) => (publisherErr = (publisherErr + d.toString()).slice(-400)))
  publisher.on('exit', (code) => log(`publisher ended (exit ${code}): ${publisherErr.trim()}`))

  let current: StreamEnd[] | undefined
  const players: Player[] = []
  const reconnect = (p: Player, how: string): void => {
    if (stopping) return
    const at = Date.now()
    const was = podExists(p.pod)
    // Closed on a terminating pod well before its grace period ran out: its clients were closed
    // through the API (a hand-off), and SRS may have quit and its pod gone by the time ffmpeg
    // tells (the watcher saw it turn Terminating); at or after the end of the grace period: the
    // kubelet's SIGKILL cut it.
    const since = terminatingSince.get(p.pod)
    const graceEndsAt = was.graceEndsAt ?? (since === undefined ? undefined : since + EDGE_GRACE_MS)
    const beforeKill = graceEndsAt !== undefined && at < graceEndsAt - 2000 && (was.terminating || (!was.exists && since !== undefined))
    // frames within the player's read timeout: closed, not frozen
    const closedWhilePlaying = at - p.lastFrameAt < STALL_MS
    const end: StreamEnd = {player: p.id, pod: p.pod, at, how, kind: closedWhilePlaying && beforeKill ? 'handed off' : 'cut'}
    if (current) current.push(end)
    else log(`player ${p.id} on ${p.pod} lost its stream between commands: ${how}`)
    p.pendingEnd = end
    connect(p, end)
  }
  // as through the Service: a Ready edge that is not leaving, the one with the fewest players
  const connect = (p: Player, end: StreamEnd): void => {
    const load = (name: string): number => players.filter((o) => o.pod === name && o.child).length
    const to = pods('srs-edge')
      .filter((q) => q.ready && !q.terminating && q.ip)
      .sort((a, b) => load(a.name) - load(b.name))[0]
    if (stopping) return
    if (!to) {
      setTimeout(() => connect(p, end), 500)
      return
    }
    end.to = to.name
    p.start(to)
  }

  const edgePods = pods('srs-edge')
    .filter((p) => p.ready)
    .sort((a, b) => a.name.localeCompare(b.name))
  if (edgePods.length !== PLAYERS_PER_EDGE.length) throw new Error(`${edgePods.length} edges Ready, want ${PLAYERS_PER_EDGE.length}`)
  let id = 0
  PLAYERS_PER_EDGE.forEach((n, i) => {
    for (let k = 0; k < n; k++) {
      const p = new Player(++id, reconnect)
      players.push(p)
      p.start(edgePods[i] as PodInfo)
    }
  })
  try {
    await until('every player playing', () => players.every((p) => p.playing()), 90_000)
    log(`publishing into srs-origin-0; players: ${edgePods.map((p, i) => `${p.name} ${PLAYERS_PER_EDGE[i]}`).join(', ')}`)

    const reports: CommandReport[] = []
    const rollout = flagsOf('REAL_SRS_ROLLOUT_FLAGS')
    const origins = flagsOf('REAL_SRS_ORIGIN_FLAGS')
    const progressive = flagsOf('REAL_SRS_PROGRESSIVE')
    const only = process.env.REAL_SRS_ONLY ?? ''
    if (only !== '' && only !== 'rollout') fail(`REAL_SRS_ONLY='${only}' is not a part of the suite`, 'REAL_SRS_ONLY=rollout (or unset: every command)', 2)
    const rolloutCommands: Command[] = progressive.length
      ? [
          {args: ['canary', EDGE, '--to', targetTag, ...progressive, ...rollout], during: (running) => duringSteps(players, target, Number(process.env.REAL_SRS_KILL_CANARY ?? 0), running)},
          // An aborted run has rolled back already (rollback would find nothing to undo).
          {args: ['rollback', EDGE, ...rollout], when: (previous) => !previous?.output.includes('"outcome": "aborted"')},
        ]
      : [{args: ['canary', EDGE, '--to', targetTag, '--percent', '25', ...rollout]}, {args: ['promote', EDGE, ...rollout]}, {args: ['rollback', EDGE, ...rollout]}]
    const commands: Command[] = [
      ...rolloutCommands,
      ...(only === 'rollout'
        ? []
        : [
            // The edges run the ConfigMap they started with: a change gives reload something to do.
            {args: ['reload', EDGE, ...flagsOf('REAL_SRS_RELOAD_FLAGS')], before: () => changeConfig('srs-edge-config')},
            {args: ['add-origin', ORIGIN, ...origins]},
            {args: ['remove-origin', ORIGIN, ...origins]},
          ]),
    ]
    for (const {args, before, during, when} of commands) {
      if (when && !when(reports.at(-1))) {
        log(`skipped: kubectl srs ${args.join(' ')}`)
        continue
      }
      before?.()
      current = []
      const exits = new Map<string, PodExit>()
      let watching = true
      // Terminating to gone, per pod, and the players on it when it began to leave.
      const watcher = (async () => {
        while (watching) {
          const now = Date.now()
          const seen = [...pods('srs-edge'), ...pods(ORIGIN)]
          for (const q of seen) {
            if (q.terminating && !exits.has(q.name)) exits.set(q.name, {pod: q.name, terminatingAt: now, players: players.filter((p) => p.pod === q.name && p.child).length})
            if (q.terminating && !terminatingSince.has(q.name)) terminatingSince.set(q.name, now)
          }
          for (const q of seen) if (q.ended && exits.has(q.name)) exits.get(q.name)!.ended = q.ended
          for (const e of exits.values()) if (e.goneAt === undefined && !seen.some((q) => q.name === e.pod)) e.goneAt = now
          await sleep(1000)
        }
      })()
      const t0 = Date.now()
      log(`kubectl srs ${args.join(' ')}`)
      const running = {done: false}
      const sideNotes = during ? during(running).catch((e: unknown) => [`during the command: ${String(e)}`]) : Promise.resolve([])
      const r = await plugin([...args, '-o', 'json'])
      const wallMs = Date.now() - t0
      running.done = true
      const notes = await sideNotes
      const ends = current
      await until('every player playing again', () => players.every((p) => p.playing()), SETTLE_MS).catch((e: unknown) => log(String(e)))
      // A command may end before the pods it took away are gone (canary does not wait for an idle one).
      await until('the pods that left gone', () => [...exits.values()].every((e) => e.goneAt !== undefined), LEAVE_MS).catch((e: unknown) => log(String(e)))
      watching = false
      await watcher
      current = undefined
      const notPlaying = players.filter((p) => !p.playing()).map((p) => p.id)
      reports.push({
        command: `kubectl srs ${args.join(' ')}`,
        wallMs,
        exitCode: r.status,
        ends,
        reportedCut: reportedCut(r.stdout),
        exits: [...exits.values()],
        notPlaying,
        output: `${r.stdout}${r.stderr}`.trim(),
        notes: [...notes, ...analysisNotes(r.stdout)],
      })
      log(`exit ${r.status} after ${secs(wallMs)}`)
    }
    print(reports, players.length)
  } finally {
    stopping = true
    players.forEach((p) => p.stop())
  }
}

interface Command {
  args: string[]
  before?: () => void
  /** Whether to run it, after the command before it. */
  when?: (previous: CommandReport | undefined) => boolean
  /** Runs beside the command (until `running.done`); its lines go into the report. */
  during?: (running: {done: boolean}) => Promise<string[]>
}

/**
 * During each step's interval of a progressive canary (its state annotation says that step,
 * analysing): `top -o json` once, its viewers per track against the players' own count per track
 * (a pod runs the target image: canary); in step `killAtStep` (1-based), after the capture, a
 * SIGKILL to the SRS of the canary pod with the most players.
 */
async function duringSteps(players: Player[], target: string, killAtStep: number, running: {done: boolean}): Promise<string[]> {
  const notes: string[] = []
  for (let step = 0; !running.done; step++) {
    const analysing = await until(
      `step ${step + 1}'s analysis`,
      () => {
        if (running.done) return 'ended'
        const list = JSON.parse(kubectl(['get', 'deployments', '-n', NS, '-o', 'json'])) as {items: {metadata: {name: string; annotations?: Record<string, string>}}[]}
        for (const d of list.items) {
          const state = d.metadata.annotations?.[ROLLOUT_ANNOTATION.progressive]
          if (!state) continue
          const s = JSON.parse(state) as {stepIndex: number; phase: string}
          if (s.stepIndex === step && s.phase === 'analysing') return d.metadata.name
        }
        return undefined
      },
      600_000,
    )
    if (analysing === 'ended') break
    notes.push(...(await topAgainstPlayers(players, target, step)))
    if (killAtStep === step + 1) {
      // the canary pod with the most players, so that what they see is in the report
      const playersOn = (pod: string) => players.filter((p) => p.pod === pod && p.child).length
      const victim = pods('srs-edge')
        .filter((q) => q.image === target && q.ready && !q.terminating)
        .sort((a, b) => playersOn(b.name) - playersOn(a.name))[0]
      if (!victim) notes.push('no Ready canary pod to kill')
      else {
        const onIt = players.filter((p) => p.pod === victim.name && p.child).map((p) => `p${p.id}`)
        const r = spawnSync('ip', ['netns', 'exec', cluster!.netns, 'curl', '-sS', '-X', 'POST', `127.0.0.1:19850/pods/${NS}/${victim.name}/signal?sig=KILL`], {encoding: 'utf8'})
        notes.push(`SIGKILL to ${victim.name}'s SRS at ${new Date().toISOString().slice(11, 19)} (players on it: ${onIt.join(', ') || 'none'}): curl exit ${r.status} ${`${r.stdout}${r.stderr}`.trim()}`)
      }
    }
  }
  return notes
}

/** `top -o json` once, and what the players themselves say at that moment. */
async function topAgainstPlayers(players: Player[], target: string, step: number): Promise<string[]> {
  const edgePods = pods('srs-edge')
  const trackOf = (pod: string): string => (edgePods.find((q) => q.name === pod)?.image === target ? 'canary' : 'stable')
  const t0 = Date.now()
  const top = await plugin(['top', EDGE, '-o', 'json'])
  const byTrack: Record<string, number> = {stable: 0, canary: 0}
  const byPod: Record<string, number> = {}
  for (const p of players.filter((q) => q.playing())) {
    byTrack[trackOf(p.pod)] = (byTrack[trackOf(p.pod)] ?? 0) + 1
    byPod[p.pod] = (byPod[p.pod] ?? 0) + 1
  }
  const notes = [`top during step ${step + 1}'s analysis (took ${secs(Date.now() - t0)}, exit ${top.status}):`]
  try {
    const frame = JSON.parse(top.stdout) as {
      services: {service: string; tracks: {role: string; workload: string; viewers: number; requestedWeight: number | null; measuredWeight: number | null}[]; canary: {step: number; weight: number; phase: string} | null}[]
      pods: {name: string; track: string | null; viewers: number | null; kbpsOut: number | null}[]
    }
    for (const svc of frame.services) {
      for (const t of svc.tracks) notes.push(`  ${svc.service} ${t.role}: top ${t.viewers} viewers, players ${byTrack[t.role] ?? 0}; weight requested ${t.requestedWeight ?? '-'} %, measured ${t.measuredWeight ?? '-'} %`)
      if (svc.canary) notes.push(`  ${svc.service} progressive canary: step ${svc.canary.step} at ${svc.canary.weight} %, ${svc.canary.phase}`)
    }
    for (const p of frame.pods) notes.push(`  pod ${p.name} (${p.track ?? '-'}): top ${p.viewers ?? 'no answer'} viewers, ${p.kbpsOut ?? '-'} kbps out; players ${byPod[p.name] ?? 0}`)
  } catch {
    notes.push(`  top printed no JSON: ${`${top.stdout}${top.stderr}`.trim().slice(0, 400)}`)
  }
  return notes
}

/** Each step's analysis of a progressive canary's -o json: verdict, then every check with its figures. */
export function analysisNotes(stdout: string): string[] {
  let doc: {
    stepsRun?: {weight: number; analysis?: {samples: number; verdict: string; checks: {name: string; verdict: string; canary?: string; stable?: string; detail?: string; applicable?: boolean}[]}}[]
    outcome?: string
    failed?: {name: string}[]
  }
  try {
    doc = JSON.parse(stdout) as typeof doc
  } catch {
    return []
  }
  if (!Array.isArray(doc.stepsRun)) return []
  const lines: string[] = []
  for (const step of doc.stepsRun) {
    const a = step.analysis
    lines.push(`step ${step.weight} %: ${a ? `${a.verdict} (${a.samples} samples)` : 'no analysis'}`)
    for (const c of a?.checks ?? []) lines.push(`  ${c.name}: ${c.verdict}${c.applicable === false ? ' (not applicable)' : ''}; canary ${c.canary ?? '-'} | stable ${c.stable ?? '-'}; ${c.detail ?? ''}`)
  }
  lines.push(`outcome ${doc.outcome ?? '-'}${doc.failed?.length ? `, failed: ${doc.failed.map((f) => f.name).join(', ')}` : ''}`)
  return lines
}

/** A harmless change to an srs.conf (max_connections 1000 → 1001), as an operator's edit. */
function changeConfig(configMap: string): void {
  const text = (JSON.parse(kubectl(['get', 'configmap', configMap, '-n', NS, '-o', 'json'])) as {data: Record<string, string>}).data['srs.conf'] ?? ''
  const changed = text.replace(/^( *max_connections +)1000;$/m, '$11001;')
  if (changed === text) throw new Error(`the suite expected max_connections 1000 in ${configMap}`)
  kubectl(['patch', 'configmap', configMap, '-n', NS, '--type', 'merge', '-p', JSON.stringify({data: {'srs.conf': changed}})])
}

/**
 * The viewers a command says it cut, from its -o json: pods that left 'cut' (canary, promote,
 * rollback: `cut`, else `viewers`) and pods restarted without draining (reload: `viewers`).
 */
export function reportedCut(stdout: string): number | null {
  let doc: unknown
  try {
    doc = JSON.parse(stdout)
  } catch {
    return null
  }
  let cut = 0
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>
      const count = typeof o.cut === 'number' ? o.cut : typeof o.viewers === 'number' ? o.viewers : 0
      if (o.outcome === 'cut' || (o.outcome === 'restarted' && o.drained === false)) cut += count
      Object.values(o).forEach(walk)
    }
  }
  walk(doc)
  return cut
}

/** The built plugin against the suite's cluster, run asynchronously: players are watched meanwhile. */
function plugin(args: string[]): Promise<{status: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn('node', [path.join(ROOT, 'bin/run.js'), ...args, '-n', NS], {
      env: {...process.env, KUBECONFIG: cluster!.kubeconfig, NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (status) => resolve({status, stdout, stderr}))
  })
}

function print(reports: CommandReport[], playerCount: number): void {
  const lines: string[] = ['', '| command | wall | exit | viewers cut (players saw / command reported) | handed off | players | idle pods: Terminating to gone |', '|---|---|---|---|---|---|---|']
  for (const r of reports) {
    const cut = r.ends.filter((e) => e.kind === 'cut').length
    const handed = r.ends.filter((e) => e.kind === 'handed off').length
    const perPlayer = Array.from({length: playerCount}, (_, i) => {
      const mine = r.ends.filter((e) => e.player === i + 1)
      const frozen = r.notPlaying.includes(i + 1) ? ` (no frames ${SETTLE_MS / 1000}s after the command)` : ''
      if (mine.length === 0) return `p${i + 1} kept${frozen}`
      return mine.map((e) => `p${i + 1} ${e.kind} on ${e.pod} (${e.how}), playing again ${e.backAfterMs === undefined ? 'never' : `after ${secs(e.backAfterMs)}`} on ${e.to ?? '-'}`).join('; ') + frozen
    })
    const idle = r.exits.filter((e) => e.players === 0).map((e) => `${e.pod} ${e.goneAt === undefined ? 'not gone' : secs(e.goneAt - e.terminatingAt)}${e.ended ? ` (${e.ended})` : ''}`)
    const loaded = r.exits.filter((e) => e.players > 0).map((e) => `(${e.pod} with ${e.players} players: ${e.goneAt === undefined ? 'not gone' : secs(e.goneAt - e.terminatingAt)}${e.ended ? `, ${e.ended}` : ''})`)
    lines.push(`| \`${r.command}\` | ${secs(r.wallMs)} | ${r.exitCode} | ${cut} / ${r.reportedCut ?? 'no JSON'} | ${handed} | ${perPlayer.join('<br>')} | ${[...idle, ...loaded].join('<br>') || '-'} |`)
  }
  process.stdout.write(`${lines.join('\n')}\n\n`)
  for (const r of reports) if (r.notes.length) process.stdout.write(`${r.command}:\n${r.notes.map((n) => `  ${n}`).join('\n')}\n\n`)
  for (const r of reports) process.stdout.write(`--- ${r.command} (exit ${r.exitCode})\n${r.output}\n\n`)
}

function log(message: string): void {
  process.stderr.write(`real-srs: ${new Date().toISOString().slice(11, 19)} ${message}\n`)
}

let stopping = false
let cleaned = false
function cleanup(): void {
  if (cleaned) return
  cleaned = true
  stopping = true
  for (const child of children) killGroup(child)
  try {
    cluster?.down()
  } catch (error) {
    log(`cluster down failed: ${String(error)}`)
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping everything`)
    cleanup()
    process.exit(130)
  })
}

main().then(
  () => {
    cleanup()
  },
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`)
    cleanup()
    process.exit(1)
  },
)
