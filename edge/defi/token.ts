/** SEP-41 token reads (`balance(id) -> i128`, `decimals() -> u32`) by simulation, parsed strictly. */
import { Address, scValToNative } from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AppError } from '../../shared/errors.ts'
import { type ContractReader, readCall } from './contract-reader.ts'

export async function tokenBalance(
  rpc: ContractReader,
  passphrase: string,
  token: string,
  who: string,
): Promise<bigint> {
  const v = scValToNative(await readCall(rpc, passphrase, token, 'balance', [new Address(who).toScVal()]))
  const r = z.bigint().min(0n).safeParse(v)
  if (!r.success)
    throw new AppError('ERR_UPSTREAM_UNAVAILABLE', `token ${token} returned a malformed balance`)
  return r.data
}
