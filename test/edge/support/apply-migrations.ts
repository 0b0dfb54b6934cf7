// Applies edge/migrations to the test D1 before the tests of each file run (idempotent).
import { applyD1Migrations } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

const migrations = JSON.parse(String(Reflect.get(env, 'TEST_MIGRATIONS')))
await applyD1Migrations(env.DB, migrations)
