// Colour is decoration only: every meaning is also carried by a symbol or a word.
// NO_COLOR (https://no-color.org): when set to a non-empty value, no colour at all.

export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

/** A colour name for Ink's `color` prop, or undefined when colour is off. */
export function tint(color: string): string | undefined {
  return colorEnabled() ? color : undefined;
}
