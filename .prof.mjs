import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
const SECRET = 'x'.repeat(40);
const dir = '/tmp/prof';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
const withEndpoint = process.argv[2] === 'with';
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const rport = receiver.address().port;
const port = 4600 + Math.floor(Math.random() * 300);
const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/main.js'], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: SECRET,
    DATABASE_URL: `file:${dir}/db.sqlite`,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  },
  stdio: 'inherit',
});
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${url}/ready`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}
const token = await new SignJWT({
  tenant: 'acme',
  scope: 'customer.customer_manage webhook.subscription_manage',
  sub: 'p',
})
  .setProtectedHeader({ alg: 'HS256' })
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(SECRET));
const gql = (query, variables) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json());
for (let i = 0; i < 300; i++)
  await gql(`mutation($i: CustomerCreateInput!) { createCustomer(input: $i) { id } }`, {
    i: { id: `P${i}`, firstName: 'A' },
  });
if (withEndpoint)
  console.log(
    JSON.stringify(
      await gql(
        `mutation { createWebhookEndpoint(input: { url: "http://127.0.0.1:${rport}/h" }) { endpoint { id } } }`,
      ),
    ),
  );
let n = 0;
const result = await autocannon({
  url: `${url}/graphql`,
  connections: 16,
  duration: 8,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({
          query:
            'mutation($n: String!, $l: String!) { patchCustomer(customerNumber: $n, input: { lastName: $l }) { id } }',
          variables: { n: `P${n % 300}`, l: `L${n++}` },
        }),
      }),
    },
  ],
});
console.log('req/s', result.requests.average);
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
receiver.close();
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const f = node.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/')}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  total += dt[i] ?? 0;
});
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 35);
for (const [k, v] of top) console.log(((100 * v) / total).toFixed(1).padStart(5), k);
