/**
 * soroban: call a contract. `read` only simulates (nothing is signed); `invoke` simulates, assembles the
 * footprint and resource fee, and then goes through the one money path (edge/money/) like every other money move.
 */
import {
  Account,
  Address,
  Keypair,
  nativeToScVal,
  Operation,
  TransactionBuilder,
  type xdr,
} from '@stellar/stellar-sdk/base'
import { z } from 'zod'
import { AppError } from '../../../shared/errors.ts'
import { ContractIdSchema } from '../../../shared/schemas/stellar.ts'
import { BASE_FEE_STROOPS, TX_TIMEOUT_SECONDS } from '../../stellar/build-tx.ts'
import { resolveAccount } from '../accounts.ts'
import { defineTool, fail, ok } from '../define-tool.ts'
import { submitContractCall } from '../money.ts'

const ArgSchema = z
  .object({
    type: z
      .enum(['address', 'i128', 'u64', 'u32', 'string', 'symbol', 'bool'])
      .describe('Soroban type of the argument'),
    value: z
      .string()
      .max(200)
      .describe('The value as text: "G…"/"C…" for address, digits for integers, "true"/"false"'),
  })
  .strict()

const Input = z
  .object({
    action: z.enum(['read', 'invoke']).describe('read: simulate only; invoke: sign and send'),
    account: z
      .string()
      .max(80)
      .nullable()
      .describe('Source account (id, public key or name); null for your only account'),
    contract_id: ContractIdSchema,
    function: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/)
      .describe('Contract function name'),
    args: z.array(ArgSchema).max(10).describe('Arguments in order'),
  })
  .strict()

function scArg(a: z.infer<typeof ArgSchema>): xdr.ScVal {
  switch (a.type) {
    case 'address':
      return new Address(a.value).toScVal()
    case 'bool':
      if (a.value !== 'true' && a.value !== 'false')
        throw new AppError('ERR_TOOL_INPUT', 'bool must be "true" or "false"')
      return nativeToScVal(a.value === 'true')
    case 'string':
    case 'symbol':
      return nativeToScVal(a.value, { type: a.type })
    default:
      if (!/^-?[0-9]{1,39}$/.test(a.value))
        throw new AppError('ERR_TOOL_INPUT', `${a.type} must be an integer`)
      return nativeToScVal(BigInt(a.value), { type: a.type })
  }
}

// Simulation needs a source; a signed-in caller without accounts gets a throwaway one (nothing is signed).
const READ_SOURCE = Keypair.fromRawEd25519Seed(new Uint8Array(32).fill(1)).publicKey()

export const soroban = defineTool({
  name: 'soroban',
  description:
    'Call a Soroban smart contract: read (simulation, nothing is signed) or invoke (signed and sent).',
  input: Input,
  access: 'user',
  movesMoney: (i) => i.action === 'invoke',
  timeoutMs: 60_000,
  async execute(input, ctx) {
    let args: xdr.ScVal[]
    try {
      args = input.args.map(scArg)
    } catch (e) {
      if (e instanceof AppError) throw e
      return fail('ERR_TOOL_INPUT', 'an argument could not be encoded for its type')
    }
    const op = Operation.invokeContractFunction({
      contract: input.contract_id,
      function: input.function,
      args,
    })
    if (input.action === 'read') {
      const source =
        input.account === null && ctx.accounts.length !== 1
          ? READ_SOURCE
          : resolveAccount(ctx, input.account).publicKey
      const tx = new TransactionBuilder(new Account(source, '0'), {
        fee: String(BASE_FEE_STROOPS),
        networkPassphrase: ctx.network.passphrase,
      })
        .addOperation(op)
        .setTimeout(TX_TIMEOUT_SECONDS)
        .build()
      return ok({
        contractId: input.contract_id,
        function: input.function,
        result: await ctx.soroban.simulateValue(tx),
      })
    }
    const account = resolveAccount(ctx, input.account)
    return submitContractCall(ctx, {
      account,
      operation: op,
      description: `Call ${input.function} on contract ${input.contract_id} from ${account.publicKey}`,
      // A raw call declares nothing: the preview lists every transfer simulation authorises.
      intent: null,
    })
  },
})
