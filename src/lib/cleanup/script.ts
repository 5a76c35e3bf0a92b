/**
 * The shell script of the cleanup container. It is a constant: the folder, the age in
 * minutes and the mode are positional parameters ($1 $2 $3 of `sh -c SCRIPT srs-cleanup DIR
 * MINUTES MODE`), so nothing the user typed is ever parsed by a shell.
 *
 * What it deletes, with find(1) of busybox, Alpine, Debian or CentOS alike:
 * - regular files only (`-type f` never matches a symlink, and find does not follow symlinks
 *   without -L), on the volume's file system only (`-xdev`), whose name matches one of
 *   TEMP_PATTERNS and whose content changed more than MINUTES ago (`-mmin +N`);
 * - then the folders that this run emptied: empty folders below DIR (never DIR itself) whose
 *   modification time is newer than a mark taken before the first deletion. Removing an entry
 *   updates a folder's mtime, so folders that were already empty and untouched are kept. find
 *   reads a folder's status before it empties the folder's children, so the pass repeats
 *   until it removes nothing (one pass per level of nesting).
 * Each path is printed (`-print` before `-delete`) under a header line, which is how the
 * command reports what a run deleted.
 */

/**
 * SRS's file names: HLS segments `[stream]-[seq].ts`, written as `.ts.tmp` then renamed
 * (hls_ts_file); playlists `[stream].m3u8`, written as `.m3u8.temp` then renamed
 * (hls_m3u8_file); DVR writes `.flv.tmp`/`.mp4.tmp` and renames them when a segment is
 * finished, so finished recordings (`.flv`, `.mp4`) never match.
 */
export const TEMP_PATTERNS = ['*.ts', '*.ts.tmp', '*.m3u8', '*.m3u8.temp', '*.flv.tmp', '*.mp4.tmp'] as const

export type CleanupMode = 'delete' | 'dry-run'

const HEADER = {
  files: 'srs-cleanup: files',
  wouldDelete: 'srs-cleanup: would delete',
  folders: 'srs-cleanup: emptied folders',
  done: 'srs-cleanup: done',
} as const

/** The find(1) expression that selects the files: `-name '*.ts' -o -name '*.m3u8' ...`. */
function nameExpression(): string {
  return TEMP_PATTERNS.map((p) => `-name '${p}'`).join(' -o ')
}

export function buildCleanupScript(): string {
  const names = nameExpression()
  return [
    'set -u',
    'dir=$1 minutes=$2 mode=$3',
    'case $dir in /?*) ;; *) echo "srs-cleanup: refusing to clean $dir: not an absolute folder other than /" >&2; exit 2 ;; esac',
    'case $minutes in ""|*[!0-9]*) echo "srs-cleanup: bad age $minutes" >&2; exit 2 ;; esac',
    'if [ ! -d "$dir" ] || [ -L "$dir" ]; then echo "srs-cleanup: $dir is not a folder on the volume" >&2; exit 2; fi',
    'echo "srs-cleanup: $mode: files older than $minutes minutes under $dir"',
    'if [ "$mode" = dry-run ]; then',
    `  echo "${HEADER.wouldDelete}"`,
    `  find "$dir" -xdev -type f \\( ${names} \\) -mmin +"$minutes" -print || exit 1`,
    `  echo "${HEADER.done}"`,
    '  exit 0',
    'fi',
    'mark=$(mktemp) || exit 1',
    '# folders emptied below get an mtime newer than the mark, even on coarse clocks',
    'sleep 1',
    'rc=0',
    `echo "${HEADER.files}"`,
    `find "$dir" -xdev -type f \\( ${names} \\) -mmin +"$minutes" -print -delete || rc=1`,
    `echo "${HEADER.folders}"`,
    '# a folder is stat()ed before its children are emptied: one pass per level of nesting',
    'list=$(mktemp) || exit 1',
    'pass=0',
    'while [ $pass -lt 200 ]; do',
    '  pass=$((pass + 1))',
    '  find "$dir" -xdev -mindepth 1 -type d -empty -newer "$mark" -print -delete >"$list" || rc=1',
    '  cat "$list"',
    '  [ -s "$list" ] || break',
    'done',
    'rm -f "$mark" "$list"',
    `echo "${HEADER.done}"`,
    'exit $rc',
  ].join('\n')
}

/** command and args of the cleanup container. */
export function cleanupCommand(): string[] {
  return ['/bin/sh', '-c', buildCleanupScript(), 'srs-cleanup']
}

export function cleanupArgs(dir: string, minutes: number, mode: CleanupMode): string[] {
  return [dir, String(minutes), mode]
}

export interface CleanupOutput {
  mode: CleanupMode | 'unknown'
  deleted: string[]
  removedFolders: string[]
  wouldDelete: string[]
  complete: boolean
}

/** Reads back what a run printed (its log): the paths under each header. */
export function parseCleanupOutput(text: string): CleanupOutput {
  const out: CleanupOutput = {mode: 'unknown', deleted: [], removedFolders: [], wouldDelete: [], complete: false}
  let section: 'deleted' | 'removedFolders' | 'wouldDelete' | undefined
  for (const line of text.split('\n')) {
    if (line === HEADER.files) section = 'deleted'
    else if (line === HEADER.folders) section = 'removedFolders'
    else if (line === HEADER.wouldDelete) section = 'wouldDelete'
    else if (line === HEADER.done) {
      section = undefined
      out.complete = true
    } else if (/^srs-cleanup: (delete|dry-run):/.test(line)) out.mode = line.includes(': dry-run:') ? 'dry-run' : 'delete'
    else if (section && line.startsWith('/')) out[section].push(line)
  }
  return out
}
