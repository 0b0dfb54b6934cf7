/**
 * `npm run dev:local`: the same stack as `npm run dev`, on the `custom` network served by in-process
 * stand-ins (Horizon, Soroban RPC) and answered by the scripted model unless OPENAI_BASE_URL is set —
 * so the product can be tried with no internet and no API key.
 */

import { runDev } from './dev.ts'
import { startStandIns } from './lib/stand-ins.ts'

// Fixed ports so a browser tab or curl survives a restart.
const standIns = await startStandIns({ horizon: 8000, sorobanRpc: 8001, model: 8002 })
Object.assign(process.env, standIns.networkVars)

const extra: Record<string, string> = {}
if (!process.env.OPENAI_BASE_URL) {
  // The scripted model does not check keys unless asked to; the edge still needs one configured.
  extra.OPENAI_BASE_URL = standIns.model.url
  extra.OPENAI_API_KEY = 'sk-local-scripted-model'
  process.env.OPENAI_BASE_URL = extra.OPENAI_BASE_URL
  process.env.OPENAI_API_KEY = extra.OPENAI_API_KEY
}

console.log(`dev:local: stand-ins on loopback
  horizon      ${standIns.horizon.url}   (friendbot ${standIns.horizon.friendbotUrl})
  soroban rpc  ${standIns.sorobanRpc.url}
  model        ${process.env.OPENAI_BASE_URL}${extra.OPENAI_BASE_URL ? ' (scripted)' : ''}
  passphrase   ${standIns.passphrase}`)

runDev({ ...standIns.networkVars, ...extra }).catch(async (e: unknown) => {
  console.error('dev:local: failed to start:', e instanceof Error ? e.message : e)
  await standIns.stop()
  process.exit(1)
})
