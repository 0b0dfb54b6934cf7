/** The bindings wrangler gives the Worker. Everything here is untrusted until edge/config.ts parses it. */
export type Env = {
  readonly DB: D1Database
  /** mTLS to the signer: `mtls_certificates` in production, a Miniflare network service locally. */
  readonly SIGNER: Fetcher
  readonly [key: string]: unknown
}
