/**
 * Child processes of the tests (the compiled service, npm scripts): started with only the configuration their test
 * gives them, and watched for what they print.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CONFIG_VARIABLES } from '../../src/config.js';

/** This process's environment without any variable the service reads (vitest sets NODE_ENV=test), plus `overrides`. */
export function serviceEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  return { ...env, ...overrides };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Watched {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Resolves with the first match of `pattern` in stdout; rejects when the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `command` in `cwd` with `serviceEnvironment(env)`, collecting its output. */
export function startWatched(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  name = command,
): Watched {
  const child = spawn(command, args, { cwd, env: serviceEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    for (const check of waiters) check();
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout);
        if (match) {
          waiters.delete(check);
          resolve(match);
        }
      };
      waiters.add(check);
      check();
      void exited.then(({ code, signal }) => {
        waiters.delete(check);
        reject(new Error(`${name} exited (${code ?? signal}) before printing ${pattern}:\n${stdout}\n${stderr}`));
      });
    });
  return { child, stdout: () => stdout, stderr: () => stderr, exited, waitFor };
}
