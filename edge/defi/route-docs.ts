/** OpenAPI entries for the DeFi routes (edge/routes/positions.ts). */
import { AccountIdParamSchema } from '../../shared/schemas/api.ts'
import { PositionsViewSchema } from '../../shared/schemas/defi.ts'
import type { RouteDoc } from '../openapi.ts'

export const POSITIONS_DOCS: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/accounts/{id}/positions',
    summary:
      'DeFi positions of one account: Blend supply, collateral and borrowing by reserve (underlying amounts, APY) and DeFindex vault shares',
    auth: 'session',
    params: AccountIdParamSchema,
    response: PositionsViewSchema,
    tag: 'accounts',
  },
]
