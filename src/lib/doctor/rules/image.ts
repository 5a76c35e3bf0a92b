/** floating-tag: the SRS image names one release, so every pod runs the same, known version. */
import {parseImageRef, withTag} from '../../srs/image.js'
import {majorFromTag} from '../../srs/topology.js'
import type {Draft, Rule} from '../types.js'

/** The newest release of each line when the SRS fixtures were captured (fixture README, section 1). */
const NEWEST: Record<number, string> = {4: 'v4.0.271', 5: 'v5.0.213', 6: 'v6.0.155'}

/** A tag naming one release: 4.0.271 / v4.0.5 (major.minor.patch), or v6.0-a1 / v5.0-r3 (a release tag). */
export function isPinnedTag(tag: string): boolean {
  return /^v?\d+\.\d+\.\d+([.-][\w.]+)?$/.test(tag) || /^v?\d+\.\d+-[a-z]\d+$/.test(tag)
}

export const floatingTagRule: Rule = {
  id: 'floating-tag',
  severity: 'warning',
  title: 'the SRS image tag names one release',
  check(w): Draft | undefined {
    const img = parseImageRef(w.image)
    if (img.digest || (img.tag && isPinnedTag(img.tag))) return undefined
    const what = img.tag ? (img.tag === 'latest' ? 'the tag latest' : `the floating tag ${img.tag}`) : 'no tag (so latest)'
    return {
      severity: 'warning',
      found: `image ${w.image} has ${what}`,
      why: 'a floating tag moves to new releases: pods created on different days run different SRS versions, and a reschedule upgrades silently',
      fix: `# pin the exact release you run (its /api/v1/versions says which), as the guide's edges pin v4.0.5, or a digest${img.tag && majorFromTag(img.tag) === 3 ? '\n# SRS 3: pin your 3.0 release, or move to the newest 4.0 tested here' : ''}\nimage: ${withTag(w.image, suggestion(img.tag))}`,
    }
  },
}

function suggestion(tag: string | undefined): string {
  const major = tag ? majorFromTag(tag) : null
  if (major === null) return NEWEST[6]!
  return NEWEST[major] ?? NEWEST[4]!
}
