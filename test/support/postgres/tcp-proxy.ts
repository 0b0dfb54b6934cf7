/**
 * A loopback TCP relay in front of PostgreSQL that can go silent: the network faults a stopped server
 * cannot show. `freeze()` stops relaying on every open connection without closing it (a half-open socket
 * after a failover or a partition: the client waits, nothing arrives); `blackhole(true)` also accepts new
 * connections and relays nothing (a database that is unreachable rather than refusing).
 */
import { connect, createServer, type Socket } from 'node:net'

export type TcpProxy = {
  readonly port: number
  freeze(): void
  blackhole(on: boolean): void
  close(): Promise<void>
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<{ client: Socket; upstream: Socket | undefined; frozen: boolean }>()
  let holing = false
  const server = createServer((client) => {
    const pair: { client: Socket; upstream: Socket | undefined; frozen: boolean } = {
      client,
      upstream: undefined,
      frozen: holing,
    }
    open.add(pair)
    const drop = () => {
      open.delete(pair)
      client.destroy()
      pair.upstream?.destroy()
    }
    client.on('error', drop)
    client.on('close', drop)
    if (pair.frozen) return
    const upstream = connect(targetPort, '127.0.0.1')
    pair.upstream = upstream
    upstream.on('error', drop)
    upstream.on('close', drop)
    client.on('data', (d) => {
      if (!pair.frozen) upstream.write(d)
    })
    upstream.on('data', (d) => {
      if (!pair.frozen) client.write(d)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    freeze: () => {
      for (const p of open) p.frozen = true
    },
    blackhole: (on) => {
      holing = on
    },
    close: async () => {
      for (const p of open) {
        p.client.destroy()
        p.upstream?.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
