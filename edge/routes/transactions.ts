/**
 * External-wallet mode's second half: the user signed in their own wallet; the envelope must verify for our
 * network, then it is submitted through the one money path (edge/money/move.ts), Horizon or Soroban RPC.
 * With the chat step that offered it (`step`), the thread records the outcome like an agent-signed one:
 * submitted with hash, ledger and fee, or failed when the network refused it. A timeout or an outage says
 * nothing about where the money is, so it records nothing (the card stays open to try again).
 */
import { Hono } from 'hono'
import { AppError } from '../../shared/errors.ts'
import { SubmitSignedBodySchema } from '../../shared/schemas/api.ts'
import { offeredXdr, recordWalletStep, type WalletOutcome } from '../agent/money-steps.ts'
import { log } from '../errors.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import { callerOf, requireUser } from '../middleware/session.ts'
import { envelopeHash, submitWalletSigned } from '../money/move.ts'
import type { AppEnv } from '../types.ts'
import { validate } from '../validation.ts'

export const transactions = new Hono<AppEnv>().post(
  '/submit-signed',
  rateLimit(['money'], { failClosed: true }),
  requireUser(),
  validate('json', SubmitSignedBodySchema),
  async (c) => {
    const { xdr, step } = c.req.valid('json')
    const { userId } = callerOf(c)
    const network = c.var.config.network
    const offered = step ? await offeredXdr(c.env.DB, userId, step) : undefined
    if (step && offered === undefined)
      throw new AppError('ERR_NOT_FOUND', 'that chat step offered no transaction to sign')
    // After money has moved (or been refused), a failed history write must not turn the answer into an
    // error the user would act on: it is logged.
    const record = async (outcome: WalletOutcome) => {
      if (step)
        await recordWalletStep(c.env.DB, userId, step, outcome, c.var.now()).catch((e: unknown) =>
          log('error', c, 'ERR_INTERNAL', `money step: ${e instanceof Error ? e.message : 'throw'}`),
        )
    }
    let r: Awaited<ReturnType<typeof submitWalletSigned>>
    try {
      r = await submitWalletSigned(c.var.services, network, xdr, c.req.raw.signal, offered)
    } catch (e) {
      const txHash = envelopeHash(xdr, network.passphrase)
      if (e instanceof AppError && e.code === 'ERR_TX_SUBMIT_FAILED' && txHash)
        await record({ status: 'failed', txHash })
      throw e
    }
    await record({ status: 'submitted', txHash: r.hash, ledger: r.ledger, fee: r.fee })
    return c.json({ hash: r.hash, ledger: r.ledger, ...(r.fee !== null ? { feeCharged: r.fee } : {}) })
  },
)
