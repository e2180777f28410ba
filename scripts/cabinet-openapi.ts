// Writes the API's OpenAPI document for the cabinet's typed client: builds the app exactly as the `api` role does
// (buildApp, without listening and without touching the database: the pool never connects), then openapi-typescript
// turns it into src/cabinet/lib/api/schema.gen.ts. Both files are generated, not committed: an API change that breaks
// the cabinet breaks `npm run build` (and `npm run lint`).
//
//   tsx scripts/cabinet-openapi.ts [out.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/api/app.js';
import type { Database } from '../src/db/database.js';
import { silentLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';

const out = process.argv[2] ?? 'src/cabinet/lib/api/openapi.gen.json';
const pool = new pg.Pool({ connectionString: 'postgres://unused@127.0.0.1:1/unused', max: 1 });
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
const app = buildApp({ metrics: createMetrics({ defaultMetrics: false }), logger: silentLogger(), readiness: [], db, cabinetDir: false });
await app.ready();
const document = app.swagger();
await app.close();
await db.destroy();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`${out}: ${Object.keys((document as { paths?: object }).paths ?? {}).length} paths\n`);
