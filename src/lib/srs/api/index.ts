/** The SRS HTTP API client: endpoint queries, failure classification, version checks. */
export {podTransport, PodTransports, SrsTransportError, type PodRoutePolicy, type PodTransport, type SrsHttpAnswer, type SrsRoute, type SrsTransport, type SrsTransportFailureReason} from './transport.js'
export {checkSrsApiAccess, probePods, srsAuthError, type SrsAccessProbe, type SrsAuthContext} from './access.js'
export {authReport, readCredentialFlags, SrsCredentialResolver, type SrsApiAuthReport, type SrsApiCredentials, type SrsCredentialChoice, type SrsCredentialFlags, type SrsCredentialSource} from './credentials.js'
export {describeSrsCode, type SrsFailure, type SrsFailureReason, type SrsResult} from './result.js'
export {requestSrsJson, type SrsEnvelope, type SrsJsonAnswer, type SrsRequestOptions} from './request.js'
export {
  countViewers,
  fetchSrsReloadResult,
  kickSrsClient,
  listSrsClients,
  listSrsStreams,
  listSrsVhosts,
  querySrsClusters,
  querySrsSummaries,
  querySrsVersions,
  requestSrsReload,
  type SrsAudioInfo,
  type SrsClient,
  type SrsClusterOrigin,
  type SrsClusterQuery,
  type SrsListOptions,
  type SrsReloadResult,
  type SrsReloadState,
  type SrsStream,
  type SrsSummary,
  type SrsVersion,
  type SrsVhost,
  type SrsVideoInfo,
  type WithEnvelope,
} from './endpoints.js'
export {matchSrsVersionToImage, type SrsVersionExpectation, type SrsVersionMatch} from './version-match.js'
