/**
 * The peer: PostGraphile v5 (amber preset) over the benchmark's PostgreSQL database, its own introspection of our
 * tables, served with grafserv on node:http. peer.ts copies this file into the peer folder (bench/.peer/) and
 * runs it there with the Node 22 installed beside it, so that `postgraphile` resolves from that folder's
 * node_modules and never from the project's. It answers GET /ready once its schema is built.
 *
 * Env: DATABASE_URL, PORT, DATABASE_POOL_SIZE (default 10), PRINT_SCHEMA (print the schema's SDL and exit).
 */
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { printSchema } from 'postgraphile/graphql';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ['public'],
      poolConfig: { max: Number(process.env.DATABASE_POOL_SIZE ?? 10) },
    }),
  ],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const { schema } = await pgl.getSchemaResult();
if (process.env.PRINT_SCHEMA) {
  process.stdout.write(`${printSchema(schema)}\n`);
  await pgl.release();
  process.exit(0);
}
const serv = pgl.createServ(grafserv);
// grafserv answers every path it does not know with a 404, so /ready is routed before it (no websockets here).
const graphql = serv.createHandler();
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') res.writeHead(200).end('{}');
  else graphql(req, res);
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pgl.release().finally(() => process.exit(0));
});
