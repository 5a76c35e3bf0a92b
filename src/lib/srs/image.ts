/**
 * Container image references as Docker parses them: [registry/]repository[:tag][@digest].
 * A first path component is a registry when it has a "." or ":" or is "localhost".
 */
export interface ImageRef {
  registry?: string
  repository: string
  tag?: string
  digest?: string
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const slash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > slash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  let registry: string | undefined
  const first = rest.split('/')[0]!
  if (rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first
    rest = rest.slice(first.length + 1)
  }
  return {registry, repository: rest, tag, digest}
}

function formatImageRef(img: ImageRef): string {
  return `${img.registry ? `${img.registry}/` : ''}${img.repository}${img.tag ? `:${img.tag}` : ''}${img.digest ? `@${img.digest}` : ''}`
}

/** The tag, or "latest" when none is given (what the runtime pulls). */
export function imageTag(ref: string): string {
  const img = parseImageRef(ref)
  return img.tag ?? (img.digest ? `@${img.digest.slice(0, 19)}` : 'latest')
}

/** Same registry and repository, another tag (what `canary --to` does); a digest is dropped. */
export function withTag(ref: string, tag: string): string {
  const img = parseImageRef(ref)
  return formatImageRef({registry: img.registry, repository: img.repository, tag})
}

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag)
}

/**
 * SRS images: ossrs/srs from any registry (Docker Hub, a mirror such as
 * registry.cn-hangzhou.aliyuncs.com/ossrs/srs), plus names the user adds with --srs-image.
 */
export function isSrsImage(ref: string, extraRepositories: readonly string[] = []): boolean {
  const {repository} = parseImageRef(ref)
  const repo = repository.replace(/^library\//, '')
  if (repo === 'ossrs/srs' || repo.endsWith('/ossrs/srs')) return true
  return extraRepositories.some((extra) => {
    const e = parseImageRef(extra).repository
    return repo === e || repo.endsWith(`/${e}`)
  })
}
