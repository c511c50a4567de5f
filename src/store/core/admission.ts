/**
 * Admission of expensive reads (lists with unindexed conditions, deep pages, counts, searches), per tenant: at most
 * `perTenant` of a tenant's in flight and `total` of all tenants', so that no tenant holds more than its share of the
 * database's connections (PostgreSQL) or of the read workers (SQLite), and cheap reads by key always find one free.
 * Waiting reads are let in tenant by tenant in turn (not first come, first served, which would let a tenant with a
 * long queue keep everyone else waiting); a read that waits longer than `queueMs`, or finds its tenant's queue full,
 * is refused with StoreBusyError (429, Retry-After), for its tenant only.
 *
 * Written here rather than taken from a library: p-limit and p-queue have no per-key fairness, and bottleneck's
 * groups have no shared total.
 */
import { StoreBusyError } from '../../domain/store.js';

export interface AdmissionLimits {
  /** Expensive reads of one tenant in flight at once. */
  readonly perTenant: number;
  /** Expensive reads of all tenants in flight at once. */
  readonly total: number;
  /** How long an expensive read may wait for its turn before it is refused. */
  readonly queueMs: number;
  /** How many of a tenant's expensive reads may wait at once; more are refused at once. */
  readonly queueLength: number;
}

/** The limits as configured: `total` undefined leaves it to the store (half its pool, or its read workers). */
export type AdmissionOptions = Omit<AdmissionLimits, 'total'> & { readonly total?: number | undefined };

export interface AdmissionState {
  readonly running: number;
  readonly waiting: number;
  /** Reads refused since start. */
  readonly refused: number;
}

export interface Admission {
  /** Runs `work` when the tenant's turn comes; StoreBusyError when it does not come in time. */
  run<T>(tenant: string, work: () => Promise<T>): Promise<T>;
  state(): AdmissionState;
}

/** Seconds a refused caller is told to wait: about what an expensive read takes. */
const RETRY_AFTER_SECONDS = 1;

const busy = () =>
  new StoreBusyError(
    `Too many expensive requests of this tenant (lists with unindexed conditions, deep pages, counts, searches) are in progress. Retry after ${RETRY_AFTER_SECONDS} second.`,
    RETRY_AFTER_SECONDS,
  );

interface Tenant {
  running: number;
  readonly waiting: (() => void)[];
}

export function createAdmission(limits: AdmissionLimits): Admission {
  const tenants = new Map<string, Tenant>();
  /** The tenants with reads waiting, each once, in the order their turns come. */
  const turns: string[] = [];
  let running = 0;
  let waiting = 0;
  let refused = 0;

  const tenantOf = (name: string) => {
    const known = tenants.get(name);
    if (known) return known;
    const tenant: Tenant = { running: 0, waiting: [] };
    tenants.set(name, tenant);
    return tenant;
  };

  /** Lets waiting reads in while there is room: the first tenant in turn that is under its share goes to the back. */
  function admitWaiting(): void {
    while (running < limits.total) {
      const at = turns.findIndex((name) => tenants.get(name)!.running < limits.perTenant);
      if (at < 0) return;
      const [name] = turns.splice(at, 1) as [string];
      const tenant = tenants.get(name)!;
      const start = tenant.waiting.shift()!;
      if (tenant.waiting.length > 0) turns.push(name);
      start();
    }
  }

  function enter(tenant: Tenant): void {
    running++;
    tenant.running++;
  }

  function leave(name: string, tenant: Tenant): void {
    running--;
    tenant.running--;
    if (tenant.running === 0 && tenant.waiting.length === 0) tenants.delete(name);
    admitWaiting();
  }

  function turn(name: string, tenant: Tenant): Promise<void> {
    if (tenant.waiting.length >= limits.queueLength) {
      refused++;
      return Promise.reject(busy());
    }
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        clearTimeout(timer);
        waiting--;
        enter(tenant);
        resolve();
      };
      const timer = setTimeout(() => {
        tenant.waiting.splice(tenant.waiting.indexOf(start), 1);
        if (tenant.waiting.length === 0) turns.splice(turns.indexOf(name), 1);
        if (tenant.running === 0 && tenant.waiting.length === 0) tenants.delete(name);
        waiting--;
        refused++;
        reject(busy());
      }, limits.queueMs);
      if (tenant.waiting.length === 0) turns.push(name);
      tenant.waiting.push(start);
      waiting++;
    });
  }

  return {
    async run(name, work) {
      const tenant = tenantOf(name);
      if (running < limits.total && tenant.running < limits.perTenant && tenant.waiting.length === 0) enter(tenant);
      else await turn(name, tenant);
      try {
        return await work();
      } finally {
        leave(name, tenant);
      }
    },
    state: () => ({ running, waiting, refused }),
  };
}

/** A store's admission, when it has limits; `room`: how many connections its expensive reads may take. */
export function admissionFor(options: AdmissionOptions | undefined, room: number): Admission | undefined {
  return options && createAdmission({ ...options, total: options.total ?? Math.max(1, room) });
}
