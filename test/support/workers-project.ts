/**
 * Options for the workerd test project. The services (redis + Upstash bridge, mTLS signer) are started by
 * test/global-setup.ts, which `provide`s their addresses; the worker reaches the signer through a Miniflare
 * `network` service binding carrying the client certificate, the local stand-in for `mtls_certificates`.
 */
import { type cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'

type Options = Parameters<typeof cloudflareTest>[0]

export const workersProject: Options = async ({ inject }) => {
  const services = inject<TestServices>('services')
  const migrations = await readD1Migrations('edge/migrations')
  return {
    // The development environment: wrangler.toml's top level is the inert one a bare deploy would ship.
    wrangler: { configPath: './wrangler.toml', environment: 'development' },
    miniflare: {
      compatibilityFlags: ['nodejs_compat'],
      bindings: { ...services.bindings, TEST_MIGRATIONS: JSON.stringify(migrations) },
      serviceBindings: {
        SIGNER: {
          network: {
            allow: ['local', 'private', 'public'],
            tlsOptions: {
              keypair: { privateKey: services.clientKeyPem, certificateChain: services.clientCertPem },
              trustedCertificates: [services.caCertPem],
            },
          },
        },
      },
    },
  }
}

/** What global-setup hands to the worker project. */
export type TestServices = {
  readonly bindings: Record<string, string>
  readonly clientKeyPem: string
  readonly clientCertPem: string
  readonly caCertPem: string
}
