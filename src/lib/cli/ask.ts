/** A yes/no question on the terminal, for commands that change things and confirm first. */
import {createInterface} from 'node:readline/promises'

/** True when a person can answer: stdin and stderr are terminals. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY)
}

/** Asks on stderr; only "y" or "yes" is a yes. */
export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({input: process.stdin, output: process.stderr})
  try {
    const answer = await rl.question(`${question} [y/N] `)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
