/**
 * Pod names in the order people read them (srs-origin-2 before srs-origin-10). One collator for
 * every comparison: `localeCompare` with options builds a new one per call, which showed up in
 * the profile of status on 1000 pods.
 */
export const compareNamesNumerically: (a: string, b: string) => number = new Intl.Collator(undefined, {numeric: true}).compare
