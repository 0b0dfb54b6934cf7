import { describe, expect, it } from 'vitest'
import { percent } from '../../edge/web/format-rate.ts'

describe('percent (an APY fraction shown as a percentage, no floats)', () => {
  it.each([
    ['0.061055', '6.1055%'],
    ['0.0592975', '5.92975%'],
    ['0', '0%'],
    ['1', '100%'],
    ['0.5', '50%'],
    ['36.78', '3678%'],
    ['0.0000081', '0.00081%'],
    ['-0.01', '-1%'],
  ])('%s → %s', (f, want) => expect(percent(f)).toBe(want))
})
