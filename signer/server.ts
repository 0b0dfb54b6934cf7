/**
 * The transport: HTTPS that demands a client certificate from SIGNER_CLIENT_CA (a client without one, or
 * with one from another CA, fails the handshake and never reaches a handler) whose SPKI is pinned in
 * SIGNER_CLIENT_SPKI_PINS (any other certificate of that CA is cut before a byte of HTTP is read), then `POST /v1/<method>`
 * into the dispatcher. A separate plain-HTTP listener on 127.0.0.1 answers liveness and nothing else.
 * Attestation rides in the application layer (a Worker cannot inspect the server certificate): `GET
 * /v1/attestation` serves the quote-bearing document, and every response over mTLS is signed by the
 * attested in-memory key over (requestId, status, SHA-256(body), timestamp).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { AttestationDocument } from '../shared/attestation.ts'
import type { ResponseKey } from './attestation/response-key.ts'
import type { TlsMaterial } from './config.ts'
import type { Reply } from './dispatch.ts'
import { errorReply } from './dispatch.ts'
import type { SignerLogger } from './log.ts'
import { spkiPinOf } from './tls/client-pins.ts'

const MAX_BODY_BYTES = 128 * 1024
const PATH = /^\/v1\/([a-z]+\.[a-z]+)$/

const REQUEST_ID = /^[A-Za-z0-9_-]{8,128}$/

export type Attestation = {
  readonly key: ResponseKey
  readonly document: AttestationDocument
  readonly clock: () => number
}

const staticReply = (body: unknown): Reply => ({
  status: 200,
  auditHead: undefined,
  body: JSON.stringify(body),
  code: undefined,
  requestId: undefined,
  replayed: false,
})

export type Rpc = {
  readonly server: Server
  /** Requests whose body is still arriving or being answered. */
  inflight(): number
  startDraining(): void
}

export function createRpcServer(
  tls: TlsMaterial,
  dispatch: (method: string, body: unknown) => Promise<Reply>,
  log: SignerLogger,
  attestation: Attestation,
): Rpc {
  // Health tells the edge (and its /health) when this signer is not in a TEE.
  const healthReply = staticReply({
    ok: true,
    result: { status: 'ok', attestation: attestation.document.mode },
  })
  const attestationReply = staticReply({ ok: true, result: attestation.document })
  const send = (req: IncomingMessage, res: ServerResponse, reply: Reply, closing: boolean): void => {
    // The id signed is the envelope's when it parsed, else the caller's header: either way the one the edge
    // expects, so a response cannot be replayed as the answer to a different request.
    const header = req.headers['x-request-id']
    const requestId = reply.requestId ?? (typeof header === 'string' && REQUEST_ID.test(header) ? header : '')
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      ...(reply.requestId ? { 'x-request-id': reply.requestId } : {}),
      ...attestation.key.signatureHeaders(
        requestId,
        reply.status,
        reply.body,
        attestation.clock(),
        reply.auditHead,
      ),
      ...(closing ? { connection: 'close' } : {}),
    })
    res.end(reply.body)
  }
  let inflight = 0
  let draining = false
  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer | undefined,
    started: number,
    late: boolean,
  ) => {
    let reply: Reply
    const match = PATH.exec(req.url ?? '')
    // Requests that began before SIGTERM finish normally; only ones that start during the drain are refused.
    // Liveness over mTLS for the edge: proves the handshake and the process, reveals nothing else.
    if (!late && req.method === 'GET' && req.url === '/v1/health') reply = healthReply
    else if (!late && req.method === 'GET' && req.url === '/v1/attestation') reply = attestationReply
    else if (late) reply = errorReply({ code: 'ERR_SIGNER_UNAVAILABLE', message: 'signer is shutting down' })
    else if (!match?.[1]) reply = errorReply({ code: 'ERR_SIGNER_UNKNOWN_METHOD', message: 'unknown method' })
    else if (req.method !== 'POST')
      reply = errorReply({ code: 'ERR_METHOD_NOT_ALLOWED', message: 'use POST' })
    else if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      reply = errorReply({
        code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
        message: 'content-type must be application/json',
      })
    } else if (raw === undefined) {
      reply = errorReply({ code: 'ERR_BODY_TOO_LARGE', message: 'request body too large' })
    } else {
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        body = undefined
      }
      try {
        reply =
          body === undefined
            ? errorReply({ code: 'ERR_BAD_JSON', message: 'body is not JSON' })
            : await dispatch(match[1], body)
      } catch (e) {
        // The detail stays in the log (no request data in it); the wire gets the code.
        log.error(
          { err: { name: (e as Error).name, message: (e as Error).message }, method: match[1] },
          'rpc failed',
        )
        reply = errorReply({ code: 'ERR_INTERNAL', message: 'internal error' })
      }
    }
    send(req, res, reply, late)
    // Successes at debug: the audit table is the per-request record, and an access line per signature
    // costs ~10% of throughput at thousands per second. Refusals and errors stay visible at info.
    log[reply.status < 400 ? 'debug' : 'info'](
      {
        requestId: reply.requestId,
        method: match?.[1],
        status: reply.status,
        code: reply.code,
        replayed: reply.replayed || undefined,
        ms: Math.round((performance.now() - started) * 100) / 100,
      },
      'rpc',
    )
  }

  const server = createHttpsServer(
    {
      cert: tls.cert,
      key: tls.key,
      ca: tls.clientCa,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      keepAliveTimeout: 30_000,
    },
    (req, res) => {
      const started = performance.now()
      const late = draining
      inflight++
      res.on('close', () => inflight--)
      const chunks: Buffer[] = []
      let size = 0
      let tooLarge = false
      req.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_BODY_BYTES) tooLarge = true
        else chunks.push(c)
      })
      req.on('end', () => {
        handle(req, res, tooLarge ? undefined : Buffer.concat(chunks), started, late).catch(() =>
          res.destroy(),
        )
      })
      req.on('error', () => res.destroy())
    },
  )
  // Runs before the HTTP layer's own listener sees the socket: an unpinned certificate never gets a parser.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const cert = socket.getPeerX509Certificate()
    const pin = cert ? spkiPinOf(cert) : undefined
    if (pin !== undefined && tls.clientSpkiPins.has(pin)) return
    // The pin of a public key is public; logging it tells the operator which certificate knocked.
    log.warn({ pin: pin ?? null }, 'client certificate not pinned: connection refused')
    socket.destroy()
  })
  server.on('tlsClientError', (e) =>
    log.warn({ err: { code: (e as NodeJS.ErrnoException).code } }, 'tls handshake refused'),
  )
  return {
    server,
    inflight: () => inflight,
    startDraining: () => {
      draining = true
    },
  }
}

/** GET /health → 200 {"status":"ok"}. Reveals nothing else: no version, no counts, no key ids. */
export function createHealthServer(): Server {
  return createHttpServer((req, res) => {
    const okPath = req.method === 'GET' && req.url === '/health'
    res.writeHead(okPath ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(okPath ? '{"status":"ok"}' : '{"status":"not found"}')
  })
}
