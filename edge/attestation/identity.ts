/**
 * Which app a dstack CVM booted, read from its replayed RTMR3 runtime events the way dstack's own boot code
 * writes them (dstack-util `system_setup.rs`):
 *
 *   system-preparing, app-id, compose-hash, [init-script-hash…], instance-id, boot-mr-done,   ← boot stage
 *   [os-image-hash (KMS only)], key-provider, [gpu-policy-hash], storage-fs, system-ready,   ← system stage
 *   …anything an application emits afterwards (ignored)
 *
 * Threats stopped: privileged code inside the CVM can append measured events after boot, with any name
 * (dstack docs/security "Runtime event-log V2 policies"). So a claim is read only from its own stage, each
 * claim exactly once there, boot-mr-done and system-ready exactly once and in order; a second `compose-hash`
 * or an `app-id` outside the boot stage is refused rather than picked by position. Events after
 * system-ready are allowed and never read.
 */
import { toHex } from '../../shared/attestation.ts'
import { err, ok, type Result } from '../../shared/result.ts'
import type { RuntimeEvent } from './event-log.ts'
import type { QuoteProblem } from './quote.ts'

export type KeyProvider = { readonly name: string; readonly id: string }

export type AppIdentity = {
  readonly appId: string
  readonly composeHash: string
  readonly instanceId: string
  readonly keyProvider: KeyProvider
  /** Present when the key provider is a KMS (dstack measures the hash the KMS vouched for). */
  readonly osImageHash: string | null
}

const BOOT_MR_DONE = 'boot-mr-done'
const SYSTEM_READY = 'system-ready'
/** Claims of the boot stage and of the system stage; a name here may appear only in its stage, at most once. */
const BOOT_CLAIMS = ['app-id', 'compose-hash', 'instance-id'] as const
const SYSTEM_CLAIMS = ['key-provider', 'os-image-hash'] as const
const ALL_CLAIMS: readonly string[] = [...BOOT_CLAIMS, ...SYSTEM_CLAIMS, BOOT_MR_DONE, SYSTEM_READY]

const problem = (detail: string): QuoteProblem => ({ check: 'event-log', detail })
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** `{"name":"kms","id":"<hex>"}` as dstack serialises `KeyProviderInfo`. */
function parseKeyProvider(payload: Uint8Array): KeyProvider | undefined {
  try {
    const v: unknown = JSON.parse(dec.decode(payload))
    if (typeof v !== 'object' || v === null) return undefined
    const { name, id } = v as Record<string, unknown>
    if (typeof name !== 'string' || !/^[a-z0-9-]{1,32}$/.test(name)) return undefined
    if (typeof id !== 'string' || !/^[0-9a-fA-F]{0,256}$/.test(id)) return undefined
    return { name, id: id.toLowerCase() }
  } catch {
    return undefined
  }
}

export function readIdentity(runtime: readonly RuntimeEvent[]): Result<AppIdentity, QuoteProblem> {
  const boot = new Map<string, Uint8Array>()
  const system = new Map<string, Uint8Array>()
  let stage: 'boot' | 'system' | 'app' = 'boot'
  for (const e of runtime) {
    if (stage === 'app') continue
    if (!ALL_CLAIMS.includes(e.event)) continue
    if (e.event === BOOT_MR_DONE) {
      if (stage !== 'boot') return err(problem('boot-mr-done appears twice'))
      stage = 'system'
      continue
    }
    if (e.event === SYSTEM_READY) {
      if (stage !== 'system') return err(problem('system-ready before boot-mr-done'))
      stage = 'app'
      continue
    }
    const own = (BOOT_CLAIMS as readonly string[]).includes(e.event) ? 'boot' : 'system'
    if (own !== stage) return err(problem(`${e.event} outside the ${own} stage`))
    const into = stage === 'boot' ? boot : system
    if (into.has(e.event)) return err(problem(`duplicate ${e.event} event`))
    into.set(e.event, e.payload)
  }
  if (stage !== 'app')
    return err(problem(`the log ends before ${stage === 'boot' ? BOOT_MR_DONE : SYSTEM_READY}`))
  const appId = boot.get('app-id')
  const composeHash = boot.get('compose-hash')
  const keyProviderRaw = system.get('key-provider')
  if (!appId || appId.length === 0) return err(problem('no app-id event'))
  if (composeHash?.length !== 32) return err(problem('no 32-byte compose-hash event'))
  if (!keyProviderRaw) return err(problem('no key-provider event'))
  const keyProvider = parseKeyProvider(keyProviderRaw)
  if (!keyProvider) return err(problem('key-provider event is not {name, id}'))
  const osImage = system.get('os-image-hash')
  if (osImage !== undefined && osImage.length !== 32) return err(problem('os-image-hash is not 32 bytes'))
  // dstack measures the OS image hash whenever a KMS released the keys; a KMS boot without it is not dstack's.
  if (keyProvider.name === 'kms' && osImage === undefined)
    return err(problem('kms boot without os-image-hash'))
  return ok({
    appId: toHex(appId),
    composeHash: toHex(composeHash),
    instanceId: toHex(boot.get('instance-id') ?? new Uint8Array(0)),
    keyProvider,
    osImageHash: osImage ? toHex(osImage) : null,
  })
}
