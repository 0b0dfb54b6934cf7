/**
 * Starts the real services the workerd tests talk to (redis-server + Upstash bridge, the mTLS signer
 * process) on loopback, in a throwaway folder, and hands their addresses to the worker project.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { readPem } from '../scripts/lib/certs.ts'
import { freshSecrets } from '../scripts/lib/secrets.ts'
import { startStack } from '../scripts/lib/stack.ts'
import { startHorizon } from './support/horizon/server.ts'
import { startModelControl } from './support/openai/control.ts'
import { startScriptedModel } from './support/openai/server.ts'
import { startReplicaControl } from './support/signer-replicas/control.ts'
import { standInProtocolContracts } from './support/soroban-rpc/defi/ids.ts'
import { startSorobanRpc } from './support/soroban-rpc/server.ts'
import type { TestServices } from './support/workers-project.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices
  }
}

export const TEST_PASSPHRASE = 'Tuxedo Test Network ; 2026'
/** The scripted model checks this key, so a test that forgets to configure it fails loudly. */
export const TEST_OPENAI_API_KEY = 'sk-test-scripted-model'

export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), 'tuxedo-test-'))
  const secrets = freshSecrets()
  // The Stellar side is the Horizon stand-in: it decodes what the edge submits and verifies signatures
  // against this passphrase, so a transaction signed for any other network fails there as it would live.
  const horizon = await startHorizon({ passphrase: TEST_PASSPHRASE })
  const sorobanRpc = await startSorobanRpc({ passphrase: TEST_PASSPHRASE, horizon: horizon.ledger })
  // The model is configured per test (testApp({ env: { OPENAI_API_KEY } })): /health keeps reporting
  // `llm.configured: false` for the default bindings, which is the honest default.
  const model = await startScriptedModel({ apiKey: TEST_OPENAI_API_KEY })
  const modelControl = await startModelControl(model)
  const network = {
    STELLAR_NETWORK: 'custom',
    NETWORK_PASSPHRASE: TEST_PASSPHRASE,
    HORIZON_URL: horizon.url,
    FRIENDBOT_URL: horizon.friendbotUrl,
    SOROBAN_RPC_URL: sorobanRpc.url,
    // The edge and the signer read the same DeFi contracts of the stand-in network (shared/network.ts).
    PROTOCOL_CONTRACTS: JSON.stringify(standInProtocolContracts()),
  }
  const stack = await startStack({ root: process.cwd(), stateDir, secrets, network })
  // Extra signer replicas (failover, rollback), started only when a test asks for them.
  const replicas = await startReplicaControl({
    root: process.cwd(),
    stateDir,
    pki: stack.pki,
    secrets,
    network,
  })
  project.provide('services', {
    bindings: {
      ...network,
      SIGNER_URL: stack.signer.url,
      UPSTASH_REDIS_REST_URL: stack.bridge.url,
      UPSTASH_REDIS_REST_TOKEN: secrets.UPSTASH_REDIS_REST_TOKEN,
      AUTH_SECRET: secrets.AUTH_SECRET,
      OPENAI_BASE_URL: model.url,
      TEST_OPENAI_API_KEY,
      TEST_MODEL_CONTROL_URL: modelControl.url,
      TEST_REPLICA_CONTROL_URL: replicas.url,
      TEST_SOROBAN_CONTRACT: sorobanRpc.contract.id,
    },
    clientKeyPem: readPem(stack.pki.clientKey),
    clientCertPem: readPem(stack.pki.clientCert),
    caCertPem: readPem(stack.pki.caCert),
  })
  return async () => {
    await replicas.close()
    await stack.stop()
    await modelControl.close()
    await model.close()
    await sorobanRpc.close()
    await horizon.close()
    rmSync(stateDir, { recursive: true, force: true })
  }
}
