/**
 * GET /api/network: what a client needs to talk about the network in words — its name, the passphrase a
 * wallet must sign for, whether test money exists (a friendbot), and the block explorer to link to (none on
 * `custom`: no public explorer knows a private network). Public and secret-free; the same for every caller.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { type NetworkName, NetworkNameSchema } from '../../shared/network.ts'
import { rateLimit } from '../middleware/rate-limit.ts'
import type { AppEnv } from '../types.ts'

/** A transaction's page is `${explorer}/tx/${hash}`, an account's `${explorer}/account/${G…}`. */
export function explorerFor(name: NetworkName): string | null {
  switch (name) {
    case 'testnet':
      return 'https://stellar.expert/explorer/testnet'
    case 'mainnet':
      return 'https://stellar.expert/explorer/public'
    case 'custom':
      return null
  }
}

export const NetworkViewSchema = z
  .object({
    name: NetworkNameSchema,
    passphrase: z.string(),
    friendbot: z.boolean(),
    explorer: z.string().nullable(),
  })
  .strict()

export const network = new Hono<AppEnv>().get('/', rateLimit(['read'], { failClosed: false }), (c) => {
  const n = c.var.config.network
  return c.json({
    name: n.name,
    passphrase: n.passphrase,
    friendbot: n.friendbotUrl !== undefined,
    explorer: explorerFor(n.name),
  } satisfies z.infer<typeof NetworkViewSchema>)
})

export const NETWORK_DOCS = [
  {
    method: 'get',
    path: '/api/network',
    summary: 'The network: name, passphrase to sign for, whether a friendbot exists, explorer base URL',
    auth: 'none',
    response: NetworkViewSchema,
    tag: 'network',
  },
] as const
