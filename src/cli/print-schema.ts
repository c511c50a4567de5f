/**
 * Prints the served schema into schema/: `npm run schema` writes the files, `npm run schema -- --check` fails
 * when they are out of date (the test suite checks the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printedSchemas } from '../graphql/schema.js';

const check = process.argv.includes('--check');
const schemas = printedSchemas();
let stale = 0;
for (const [name, sdl] of Object.entries(schemas)) {
  const file = fileURLToPath(new URL(`../../schema/${name}`, import.meta.url));
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === sdl) continue;
  if (check) {
    process.stderr.write(`schema/${name} is out of date: run npm run schema\n`);
    stale++;
  } else {
    writeFileSync(file, sdl);
    process.stdout.write(`wrote schema/${name}\n`);
  }
}
if (check && stale === 0) process.stdout.write(`schema/ is up to date (${Object.keys(schemas).join(', ')})\n`);
process.exit(stale > 0 ? 1 : 0);
