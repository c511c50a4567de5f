/**
 * Environment -> typed, validated configuration. The only module that reads process.env.
 * Every variable is documented in the README's Configuration table.
 */
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));
const positiveInt = z.coerce.number().int().positive();
/** Empty strings count as unset, so `VAR=` in a shell or .env file means "use the default". */
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value ? value : undefined));

/** An origin as a browser sends it in `Origin`: http(s), host and port only (no default port), lowercase, no path. */
const origin = z
  .string()
  .refine(
    (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).origin === value,
    {
      error: (issue) =>
        `"${String(issue.input)}" is not an origin such as https://app.example.com (scheme, host and port only)`,
    },
  );
/** A comma-separated list of origins; blanks around commas are ignored, and an empty list counts as unset. */
const origins = optionalString
  .transform((value) =>
    value
      ?.split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .transform((list) => (list?.length ? list : undefined))
  .pipe(z.array(origin).optional());

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** EVENTS.md's schedule: the waits after each failed attempt, then the delivery is given up. */
const DEFAULT_RETRY_DELAYS = '5s,5m,30m,2h,5h,10h,14h,20h,24h';
/** Comma-separated durations such as `500ms,5s,5m,2h`, as milliseconds. */
const durations = z.string().transform((value, ctx) => {
  const delays = value.split(',').map((item) => {
    const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(item);
    return match ? Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS] : Number.NaN;
  });
  if (delays.some((delay) => !Number.isSafeInteger(delay))) {
    ctx.addIssue({ code: 'custom', message: 'must be durations such as 1s,2s,5m (units ms, s, m, h, d)' });
    return z.NEVER;
  }
  return delays;
});

const environment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: optionalString,
  DATABASE_URL: z.string().min(1).default('file:data/customers.db'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt.default(5_000),
  DATABASE_READ_WORKERS: positiveInt.max(64).default(2),
  // Admission of expensive reads, per tenant (src/store/core/admission.ts).
  ADMISSION_PER_TENANT: positiveInt.default(2),
  ADMISSION_TOTAL: positiveInt.optional(),
  ADMISSION_QUEUE_MS: positiveInt.default(1_000),
  ADMISSION_QUEUE_LENGTH: positiveInt.default(20),
  DATA_DIR: z.string().min(1).default('data'),
  AUTH_JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  AUTH_JWKS_URL: optionalString.pipe(z.url().optional()),
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  CORS_ORIGINS: origins,
  // /metrics: on its own listener, and/or behind a bearer token.
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  // Request-level limits of the GraphQL edge.
  GRAPHQL_MAX_DEPTH: positiveInt.default(10),
  GRAPHQL_MAX_COST: positiveInt.default(20_000),
  GRAPHQL_MAX_ALIASES: positiveInt.default(30),
  GRAPHQL_MAX_TOKENS: positiveInt.default(2_000),
  GRAPHQL_MAX_DIRECTIVES: positiveInt.default(20),
  GRAPHQL_MAX_DOCUMENT_BYTES: positiveInt.default(50_000),
  GRAPHQL_MAX_BODY_BYTES: positiveInt.default(100_000),
  GRAPHQL_INTROSPECTION: boolean.optional(),
  GRAPHQL_PERSISTED_OPERATIONS_FILE: optionalString,
  GRAPHQL_PERSISTED_OPERATIONS_ONLY: boolean.default(false),
  GRAPHQL_JIT: boolean.default(true),
  // Change events (EVENTS.md): webhooks and the log's retention.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean.default(false),
  WEBHOOK_RETRY_DELAYS: durations.prefault(DEFAULT_RETRY_DELAYS),
  WEBHOOK_TIMEOUT_MS: positiveInt.default(15_000),
  EVENT_RETENTION_DAYS: positiveInt.default(30),
});

/** The names of the variables the service reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(environment.shape);

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `VAR=` in a shell, an .env file or a container spec means "use the default": empty values are dropped first. */
function withoutEmptyValues(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''),
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = environment.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    throw new ConfigError('In production, AUTH_JWT_SECRET or AUTH_JWKS_URL must be set.');
  }
  if (e.GRAPHQL_PERSISTED_OPERATIONS_ONLY && !e.GRAPHQL_PERSISTED_OPERATIONS_FILE) {
    throw new ConfigError('GRAPHQL_PERSISTED_OPERATIONS_ONLY needs GRAPHQL_PERSISTED_OPERATIONS_FILE.');
  }
  return {
    mode: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    /** A PostgreSQL URL, or the path of the SQLite file. */
    databasePath: databasePath(e.DATABASE_URL),
    database: {
      /** What logs may show of DATABASE_URL: never its password. */
      label: redactPassword(databasePath(e.DATABASE_URL)),
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      readWorkers: e.DATABASE_READ_WORKERS,
      admission: {
        perTenant: e.ADMISSION_PER_TENANT,
        /** Undefined: half the pool (PostgreSQL), the read workers (SQLite). */
        total: e.ADMISSION_TOTAL,
        queueMs: e.ADMISSION_QUEUE_MS,
        queueLength: e.ADMISSION_QUEUE_LENGTH,
      },
    },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    /** Origins whose pages may call the API (CORS); undefined: none, as a subgraph behind a gateway needs none. */
    corsOrigins: e.CORS_ORIGINS,
    metrics: {
      /** Serve /metrics on this port only (0 picks a free one), not on the API's; undefined: on the API's port. */
      port: e.METRICS_PORT,
      /** When set, /metrics answers only requests with `Authorization: Bearer <token>`. */
      token: e.METRICS_TOKEN,
    },
    auth: {
      jwtSecret: e.AUTH_JWT_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
    },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxDocumentBytes: e.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
      introspection: e.GRAPHQL_INTROSPECTION ?? !production,
      persistedOperationsFile: e.GRAPHQL_PERSISTED_OPERATIONS_FILE,
      persistedOperationsOnly: e.GRAPHQL_PERSISTED_OPERATIONS_ONLY,
      jit: e.GRAPHQL_JIT,
    },
    events: {
      /** Webhook URLs may name loopback, private and link-local hosts (tests, local setups); never in the open. */
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      /** Plain http endpoints: in development and tests only. */
      allowHttp: !production || e.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      /** The waits after each failed attempt, in milliseconds; after the last, the delivery is given up. */
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS,
      /** An attempt that has no answer in this time failed (EVENTS.md: 15 s). */
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retentionMs: e.EVENT_RETENTION_DAYS * 86_400_000,
    },
  };
}

/** `file:PATH`, a bare path, or `:memory:` (SQLite); a `postgres://` URL as it is. */
function databasePath(url: string): string {
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** The connection parameters whose values are secrets (libpq's names; node-postgres reads them from a URL's query). */
const SECRET_PARAMETERS: ReadonlySet<string> = new Set(['password', 'sslpassword']);

/** A password in libpq's keyword/value form (`password='s3 cret'`, `\'` escaping a quote): keyword, then value. */
const KEYWORD_PASSWORD = /((?:^|[\s?&;])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#]*)/gi;

/** The same, asking only whether a text holds one. */
const HOLDS_KEYWORD_PASSWORD = new RegExp(KEYWORD_PASSWORD.source, 'i');

/** A query parameter's name or value as node-postgres reads it (URLSearchParams: `+` is a space, then %-decoding). */
function decodeParameter(raw: string): string {
  const plus = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** A query parameter with its value hidden when it is a password, or holds a keyword/value string with one. */
function redactParameter(pair: string): string {
  const equals = pair.indexOf('=');
  if (equals === -1) return pair;
  const name = pair.slice(0, equals);
  const secret =
    SECRET_PARAMETERS.has(decodeParameter(name).toLowerCase()) ||
    HOLDS_KEYWORD_PASSWORD.test(decodeParameter(pair.slice(equals + 1)));
  return secret ? `${name}=***` : pair;
}

/**
 * DATABASE_URL as logs and messages may show it: every password replaced by `***` wherever the URL can carry one
 * (the authority's `user:password@`, the `password` and `sslpassword` query parameters, a libpq keyword/value string
 * as a whole or in a parameter's value), and everything else as it was written. A path has none. A fragment, which
 * no connection reads, is an unescaped `#` in a value, so it is hidden too.
 */
export function redactPassword(url: string): string {
  if (!url.includes('://') || !URL.canParse(url)) {
    // Not a URL that parses: whatever looks like a password goes, in the authority up to its last @.
    return url.replace(/(\/\/[^:/?#@\s]*):\S*@/, '$1:***@').replace(KEYWORD_PASSWORD, '$1***');
  }
  const start = url.indexOf('://') + 3;
  const hash = url.indexOf('#', start);
  const end = hash === -1 ? url.length : hash;
  const slash = url.indexOf('/', start);
  const question = url.indexOf('?', start);
  const queryAt = question === -1 || question > end ? end : question;
  const hostEnd = Math.min(slash === -1 ? end : slash, queryAt);
  // The authority's user information ends at its last @; its password follows the first : in it.
  const at = url.lastIndexOf('@', hostEnd - 1);
  const colon = at >= start ? url.indexOf(':', start) : -1;
  const authority =
    colon !== -1 && colon < at ? `${url.slice(0, colon)}:***${url.slice(at, hostEnd)}` : url.slice(0, hostEnd);
  const query =
    queryAt < end
      ? `?${url
          .slice(queryAt + 1, end)
          .split('&')
          .map(redactParameter)
          .join('&')}`
      : '';
  return `${authority}${url.slice(hostEnd, queryAt)}${query}${hash === -1 ? '' : '#***'}`;
}
