/**
 * vitest globalSetup of the `service` project: compiles dist/ once, before any test file starts the compiled
 * service. Files that build again find it up to date (tsc is incremental), so none of them rewrites dist/ while
 * another file's processes are loading it.
 */
import { buildService } from './built-service.js';

export default function setup(): void {
  buildService();
}
