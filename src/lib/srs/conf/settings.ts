/**
 * What an SRS process actually runs with: directives read from srs.conf, SRS_* environment
 * overrides (SRS 5+), and SRS's built-in defaults, each value tagged with where it came from.
 *
 * Lookups mirror SRS's getters in srs_app_config.cpp: the first directive of a name wins, a
 * directive whose first argument is missing or empty falls back to the default, `on`/`off` switches
 * that default to off are on only for the exact word `on`, and an environment variable counts only
 * when it is set and non-empty. Defaults are the ones SRS's getters use; each is also stated as
 * "default:" in the v4/v5/v6 conf/full.conf fixtures unless a comment says otherwise.
 */
import {findDirective, findDirectives} from './editor.js'
import type {SrsConf, SrsConfDirective} from './syntax.js'

export type SrsSettingSource = 'env' | 'file' | 'default'

export interface SrsSourcedValue<T> {
  readonly value: T
  readonly source: SrsSettingSource
  /** The SRS_* variable that overrides this setting in SRS 5+, null when there is none. */
  readonly envName: string | null
  /** Line of the directive when the value comes from the file. */
  readonly line: number | null
}

/** edge: `cluster { mode remote; }`; origin-cluster: `cluster { origin_cluster on; }`; else origin. */
export type SrsVhostRole = 'edge' | 'origin-cluster' | 'origin'

export interface SrsGlobalSettings {
  /** RTMP `listen`. */
  readonly rtmpListen: SrsSourcedValue<readonly string[]>
  readonly maxConnections: SrsSourcedValue<number>
  readonly pid: SrsSourcedValue<string>
  readonly graceStartWaitMs: SrsSourcedValue<number>
  readonly graceFinalWaitMs: SrsSourcedValue<number>
  readonly forceGraceQuit: SrsSourcedValue<boolean>
  readonly inotifyAutoReload: SrsSourcedValue<boolean>
  readonly httpApiEnabled: SrsSourcedValue<boolean>
  readonly httpApiListen: SrsSourcedValue<readonly string[]>
  readonly rawApiEnabled: SrsSourcedValue<boolean>
  readonly rawApiAllowReload: SrsSourcedValue<boolean>
  readonly httpServerEnabled: SrsSourcedValue<boolean>
  readonly httpServerListen: SrsSourcedValue<readonly string[]>
  readonly rtcServerEnabled: SrsSourcedValue<boolean>
  /**
   * `srs_log_tank`: `console` prints to stdout (the container log), anything else a file; empty
   * when unset, where SRS logs to a file unless it detects Docker (which containerd pods never show).
   */
  readonly logTank: SrsSourcedValue<string>
}

export interface SrsVhostSettings {
  readonly name: string
  readonly role: SrsSourcedValue<SrsVhostRole>
  /** `cluster { origin ...; }`: the upstream origins of an edge. */
  readonly edgeOrigins: SrsSourcedValue<readonly string[]>
  /** `cluster { coworkers ...; }`: the HTTP API endpoints of the other origins in the cluster. */
  readonly coworkers: SrsSourcedValue<readonly string[]>
  readonly hlsEnabled: SrsSourcedValue<boolean>
  readonly hlsPath: SrsSourcedValue<string>
  readonly dvrEnabled: SrsSourcedValue<boolean>
  readonly dvrPath: SrsSourcedValue<string>
  readonly rtcEnabled: SrsSourcedValue<boolean>
}

export interface SrsEffectiveSettings {
  /** Whether SRS_* variables were applied: no for SRS 4, yes for 5+, assumed yes when unknown. */
  readonly envApplied: boolean
  /** True when the SRS version was unknown and SRS 5+ behaviour was assumed for the environment. */
  readonly versionAssumed: boolean
  readonly global: SrsGlobalSettings
  /** One entry per `vhost` block in file order; without a file, the default vhost alone. */
  readonly vhosts: readonly SrsVhostSettings[]
}

/** Environment as given by a pod spec or process.env. */
export type SrsEnvironment = Readonly<Record<string, string | undefined>>

export const SRS_DEFAULT_VHOST = '__defaultVhost__'

// ---------------------------------------------------------------------------------------------
// Setting definitions

interface SettingDefinition<T> {
  /** Paths of directive names to try in order; the first present directive is the file value. */
  readonly paths: readonly (readonly string[])[]
  readonly envName: string | null
  readonly defaultValue: T
  /** undefined: the directive carries no usable value, SRS falls back to the default. */
  readonly fromFile: (directive: SrsConfDirective) => T | undefined
  readonly fromEnv: (raw: string) => T
}

/** C atoi: leading integer, 0 when there is none. */
function atoi(raw: string): number {
  const parsed = Number.parseInt(raw.trim(), 10)
  return Number.isNaN(parsed) ? 0 : parsed
}

const splitWords = (raw: string): string[] => raw.split(' ').filter((word) => word !== '')

/** An on/off switch that defaults to off (SRS_CONF_PREFER_FALSE): only `on` turns it on. */
function switchDefaultOff(paths: readonly (readonly string[])[], envName: string): SettingDefinition<boolean> {
  return {
    paths,
    envName,
    defaultValue: false,
    fromFile: (directive) => (directive.args[0] ? directive.args[0] === 'on' : undefined),
    fromEnv: (raw) => raw === 'on',
  }
}

function integer(paths: readonly (readonly string[])[], envName: string, defaultValue: number): SettingDefinition<number> {
  return {
    paths,
    envName,
    defaultValue,
    fromFile: (directive) => (directive.args[0] ? atoi(directive.args[0]) : undefined),
    fromEnv: atoi,
  }
}

function text(paths: readonly (readonly string[])[], envName: string, defaultValue: string): SettingDefinition<string> {
  return {
    paths,
    envName,
    defaultValue,
    fromFile: (directive) => directive.args[0] || undefined,
    fromEnv: (raw) => raw,
  }
}

/** A list of endpoints; the environment form is space separated, as SRS splits it. */
function endpoints(paths: readonly (readonly string[])[], envName: string, defaultValue: readonly string[]): SettingDefinition<readonly string[]> {
  return {
    paths,
    envName,
    defaultValue,
    fromFile: (directive) => (directive.args.length > 0 ? [...directive.args] : undefined),
    fromEnv: splitWords,
  }
}

type Definitions<S> = {readonly [K in keyof S]: S[K] extends SrsSourcedValue<infer T> ? SettingDefinition<T> : never}

const GLOBAL_DEFINITIONS: Definitions<SrsGlobalSettings> = {
  // SRS's get_listens() has no fallback (a config without `listen` fails check_config); 1935 is the
  // port every sample config and the seed ConfigMaps use. SRS 7 moved it to `rtmp { listen; }`.
  rtmpListen: endpoints([['listen'], ['rtmp', 'listen']], 'SRS_LISTEN', ['1935']),
  maxConnections: integer([['max_connections']], 'SRS_MAX_CONNECTIONS', 1000),
  pid: text([['pid']], 'SRS_PID', './objs/srs.pid'),
  // Milliseconds.
  graceStartWaitMs: integer([['grace_start_wait']], 'SRS_GRACE_START_WAIT', 2300),
  graceFinalWaitMs: integer([['grace_final_wait']], 'SRS_GRACE_FINAL_WAIT', 3200),
  forceGraceQuit: switchDefaultOff([['force_grace_quit']], 'SRS_FORCE_GRACE_QUIT'),
  inotifyAutoReload: switchDefaultOff([['inotify_auto_reload']], 'SRS_INOTIFY_AUTO_RELOAD'),
  httpApiEnabled: switchDefaultOff([['http_api', 'enabled']], 'SRS_HTTP_API_ENABLED'),
  httpApiListen: endpoints([['http_api', 'listen']], 'SRS_HTTP_API_LISTEN', ['1985']),
  rawApiEnabled: switchDefaultOff([['http_api', 'raw_api', 'enabled']], 'SRS_HTTP_API_RAW_API_ENABLED'),
  rawApiAllowReload: switchDefaultOff([['http_api', 'raw_api', 'allow_reload']], 'SRS_HTTP_API_RAW_API_ALLOW_RELOAD'),
  httpServerEnabled: switchDefaultOff([['http_server', 'enabled']], 'SRS_HTTP_SERVER_ENABLED'),
  httpServerListen: endpoints([['http_server', 'listen']], 'SRS_HTTP_SERVER_LISTEN', ['8080']),
  rtcServerEnabled: switchDefaultOff([['rtc_server', 'enabled']], 'SRS_RTC_SERVER_ENABLED'),
  // SRS 5/6 also take SRS_LOG_TANK, after SRS_SRS_LOG_TANK (LOG_TANK_ALIAS below).
  logTank: text([['srs_log_tank']], 'SRS_SRS_LOG_TANK', ''),
}

/** SrsConfig::get_log_tank_file (SRS 5/6) reads SRS_SRS_LOG_TANK, then SRS_LOG_TANK, then the file. */
const LOG_TANK_ALIAS = 'SRS_LOG_TANK'

type VhostSwitchesAndPaths = Omit<SrsVhostSettings, 'name' | 'role' | 'edgeOrigins' | 'coworkers'>

// Paths are relative to the vhost block. The SRS_VHOST_* variables apply to every vhost at once.
const VHOST_DEFINITIONS: Definitions<VhostSwitchesAndPaths> = {
  hlsEnabled: switchDefaultOff([['hls', 'enabled']], 'SRS_VHOST_HLS_ENABLED'),
  hlsPath: text([['hls', 'hls_path']], 'SRS_VHOST_HLS_HLS_PATH', './objs/nginx/html'),
  dvrEnabled: switchDefaultOff([['dvr', 'enabled']], 'SRS_VHOST_DVR_ENABLED'),
  dvrPath: text([['dvr', 'dvr_path']], 'SRS_VHOST_DVR_DVR_PATH', './objs/nginx/html/[app]/[stream].[timestamp].flv'),
  rtcEnabled: switchDefaultOff([['rtc', 'enabled']], 'SRS_VHOST_RTC_ENABLED'),
}

// ---------------------------------------------------------------------------------------------
// Resolution

function childNamed(directive: SrsConfDirective | null | undefined, name: string): SrsConfDirective | null {
  return directive?.block?.children.find((child) => child.name === name) ?? null
}

function lookup(scope: SrsConf | SrsConfDirective | null, path: readonly string[]): SrsConfDirective | null {
  if (!scope) return null
  if ('block' in scope) {
    let current: SrsConfDirective | null = scope
    for (const name of path) current = childNamed(current, name)
    return current
  }
  return findDirective(scope, path)
}

function resolveSetting<T>(definition: SettingDefinition<T>, scope: SrsConf | SrsConfDirective | null, env: SrsEnvironment, envApplied: boolean): SrsSourcedValue<T> {
  const {envName} = definition
  const raw = envName ? env[envName] : undefined
  if (envApplied && raw !== undefined && raw !== '') {
    return {value: definition.fromEnv(raw), source: 'env', envName, line: null}
  }
  for (const path of definition.paths) {
    const directive = lookup(scope, path)
    if (!directive) continue
    const value = definition.fromFile(directive)
    if (value !== undefined) return {value, source: 'file', envName, line: directive.line}
    // Present without a usable value: SRS uses the default (it does not try other paths).
    break
  }
  return {value: definition.defaultValue, source: 'default', envName, line: null}
}

function resolveAll<S>(definitions: Definitions<S>, scope: SrsConf | SrsConfDirective | null, env: SrsEnvironment, envApplied: boolean): S {
  const out: Record<string, unknown> = {}
  for (const [key, definition] of Object.entries(definitions)) {
    out[key] = resolveSetting(definition as SettingDefinition<unknown>, scope, env, envApplied)
  }
  return out as S
}

function fileValue<T>(value: T, directive: SrsConfDirective | null): SrsSourcedValue<T> {
  return directive ? {value, source: 'file', envName: null, line: directive.line} : {value, source: 'default', envName: null, line: null}
}

/**
 * A cluster directive of a vhost. SRS 3+ rewrites SRS 1/2's vhost-level `mode`/`origin` into
 * `cluster { }` at load time (srs_config_transform_vhost), replacing what `cluster` had.
 */
function clusterDirective(vhost: SrsConfDirective, name: 'mode' | 'origin' | 'origin_cluster' | 'coworkers'): SrsConfDirective | null {
  if (name === 'mode' || name === 'origin') {
    const legacy = childNamed(vhost, name)
    if (legacy) return legacy
  }
  return childNamed(childNamed(vhost, 'cluster'), name)
}

function resolveVhostRole(vhost: SrsConfDirective | null): SrsSourcedValue<SrsVhostRole> {
  if (!vhost) return fileValue<SrsVhostRole>('origin', null)
  // Edge wins: SRS checks `mode remote` before anything origin-cluster related.
  const mode = clusterDirective(vhost, 'mode')
  if (mode?.args[0] === 'remote') return fileValue<SrsVhostRole>('edge', mode)
  const originCluster = clusterDirective(vhost, 'origin_cluster')
  if (originCluster?.args[0] === 'on') return fileValue<SrsVhostRole>('origin-cluster', originCluster)
  const decisive = mode?.args[0] ? mode : originCluster?.args[0] ? originCluster : null
  return fileValue<SrsVhostRole>('origin', decisive)
}

function resolveVhost(name: string, vhost: SrsConfDirective | null, env: SrsEnvironment, envApplied: boolean): SrsVhostSettings {
  const origin = vhost ? clusterDirective(vhost, 'origin') : null
  const coworkers = vhost ? clusterDirective(vhost, 'coworkers') : null
  return {
    name,
    role: resolveVhostRole(vhost),
    // No defaults in SRS: an edge without origins and an origin cluster without coworkers are empty.
    edgeOrigins: fileValue<readonly string[]>(origin ? [...origin.args] : [], origin),
    coworkers: fileValue<readonly string[]>(coworkers ? [...coworkers.args] : [], coworkers),
    ...resolveAll(VHOST_DEFINITIONS, vhost, env, envApplied),
  }
}

/**
 * The effective settings of an SRS process from its parsed srs.conf (null when it runs on
 * environment and defaults alone), its environment and its major version (null when unknown).
 * SRS_* variables override the file in SRS 5+ only; with an unknown version they are applied and
 * `versionAssumed` is set, since only SRS 5+ deployments (e.g. the official Helm chart) set them.
 */
export function resolveSrsSettings(conf: SrsConf | null, env: SrsEnvironment = {}, srsMajorVersion: number | null = null): SrsEffectiveSettings {
  const envApplied = srsMajorVersion === null || srsMajorVersion >= 5
  let global = resolveAll(GLOBAL_DEFINITIONS, conf, env, envApplied)
  const aliasTank = env[LOG_TANK_ALIAS]
  if (envApplied && global.logTank.source !== 'env' && aliasTank) global = {...global, logTank: {value: aliasTank, source: 'env', envName: LOG_TANK_ALIAS, line: null}}
  // Without a file there are no vhost blocks; SRS then serves the default vhost only.
  const vhostDirectives = conf ? findDirectives(conf, ['vhost']) : []
  const vhosts = conf ? vhostDirectives.map((vhost) => resolveVhost(vhost.args[0] ?? '', vhost, env, envApplied)) : [resolveVhost(SRS_DEFAULT_VHOST, null, env, envApplied)]
  return {envApplied, versionAssumed: srsMajorVersion === null, global, vhosts}
}

/** The settings SRS uses for `vhost`: its own block, else the default vhost's (as SRS falls back). */
export function findVhostSettings(settings: SrsEffectiveSettings, vhost: string): SrsVhostSettings | null {
  return settings.vhosts.find((entry) => entry.name === vhost) ?? settings.vhosts.find((entry) => entry.name === SRS_DEFAULT_VHOST) ?? null
}

// ---------------------------------------------------------------------------------------------
// Direct queries on a file (no environment)

/** Names of the `vhost` blocks, in file order. */
export function listVhosts(conf: SrsConf): string[] {
  return findDirectives(conf, ['vhost']).map((vhost) => vhost.args[0] ?? '')
}

function vhostBlock(conf: SrsConf, vhost: string): SrsConfDirective | null {
  return findDirective(conf, [{name: 'vhost', args: [vhost]}]) ?? (vhost === SRS_DEFAULT_VHOST ? null : findDirective(conf, [{name: 'vhost', args: [SRS_DEFAULT_VHOST]}]))
}

/** The role of a vhost (falling back to the default vhost when it has no block of its own). */
export function getVhostRole(conf: SrsConf, vhost: string = SRS_DEFAULT_VHOST): SrsVhostRole {
  return resolveVhostRole(vhostBlock(conf, vhost)).value
}

/** An edge vhost's `cluster { origin ...; }` list; empty when not set. */
export function getEdgeOrigins(conf: SrsConf, vhost: string = SRS_DEFAULT_VHOST): string[] {
  const block = vhostBlock(conf, vhost)
  return [...((block && clusterDirective(block, 'origin')?.args) ?? [])]
}

/** An origin-cluster vhost's `cluster { coworkers ...; }` list; empty when not set. */
export function getCoworkers(conf: SrsConf, vhost: string = SRS_DEFAULT_VHOST): string[] {
  const block = vhostBlock(conf, vhost)
  return [...((block && clusterDirective(block, 'coworkers')?.args) ?? [])]
}

// ---------------------------------------------------------------------------------------------
// HTTP API basic auth (SRS 5.0.152+ / 6.0.40+). Kept out of SrsGlobalSettings so the password
// never travels with the settings a report or a doctor finding may show.

export interface SrsApiAuthSettings {
  readonly enabled: SrsSourcedValue<boolean>
  readonly username: SrsSourcedValue<string>
  readonly password: SrsSourcedValue<string>
}

const API_AUTH_DEFINITIONS: Definitions<SrsApiAuthSettings> = {
  enabled: switchDefaultOff([['http_api', 'auth', 'enabled']], 'SRS_HTTP_API_AUTH_ENABLED'),
  username: text([['http_api', 'auth', 'username']], 'SRS_HTTP_API_AUTH_USERNAME', ''),
  password: text([['http_api', 'auth', 'password']], 'SRS_HTTP_API_AUTH_PASSWORD', ''),
}

/** `http_api { auth { enabled; username; password; } }` with the SRS_HTTP_API_AUTH_* overrides. */
export function resolveSrsApiAuth(conf: SrsConf | null, env: SrsEnvironment = {}, srsMajorVersion: number | null = null): SrsApiAuthSettings {
  return resolveAll(API_AUTH_DEFINITIONS, conf, env, srsMajorVersion === null || srsMajorVersion >= 5)
}
