/** Rates for display, from the edge's decimal-string fractions, without floats. */

/** "0.061055" → "6.1055%": the fraction's decimal point moved two places, trailing zeros trimmed. */
export function percent(fraction: string): string {
  const neg = fraction.startsWith('-')
  const [whole = '0', frac = ''] = (neg ? fraction.slice(1) : fraction).split('.')
  const padded = frac.padEnd(2, '0')
  const int = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=\d)/, '')
  const rest = padded.slice(2).replace(/0+$/, '')
  return `${neg ? '-' : ''}${int}${rest ? `.${rest}` : ''}%`
}
