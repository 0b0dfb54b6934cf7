/**
 * What an account holds of a token, read from the token contract itself (`balance(id) -> i128`, SEP-41;
 * a Stellar Asset Contract answers with the trustline or native balance). "Amount above the balance" is
 * refused with this number before anything is built; the contract, not a cached figure, is the source.
 */
import { AppError } from '../../shared/errors.ts'
import { address } from '../defi/scval.ts'
import { readContract } from '../stellar/contract-read.ts'
import type { TokenRef } from './defi-registry.ts'
import type { ToolContext } from './define-tool.ts'

export async function tokenBalance(
  ctx: Pick<ToolContext, 'soroban' | 'network'>,
  token: Pick<TokenRef, 'id' | 'code'>,
  holder: string,
): Promise<bigint> {
  const v = await readContract(ctx.soroban, ctx.network, {
    contract: token.id,
    fn: 'balance',
    args: [address(holder)],
  })
  if (typeof v !== 'bigint')
    throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `${token.code} balance unreadable`)
  return v
}
