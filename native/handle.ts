// Internal: the TypeScript half of a native handle's lifecycle. Each Cluster, IoCtx and Image owns
// a HandleGuard that
//  - rejects calls once it (or a parent) is closed, with a ClosedError, before touching the addon;
//  - bounds every native call with a backstop, one timer for all calls in flight (librados has
//    its own timeouts; this catches a call that never returns at all);
//  - turns addon rejections into typed errors;
//  - on close: closes children first, waits for in-flight calls, then closes the native handle.
// The addon enforces the same rules on its side (leases), so a bug here can never free a handle
// that is in use.
import { closedError, cephError, ErrorContext, fromNative } from "./errors";

export interface Timeouts {
  /** Backstop for ordinary calls, in ms. */
  opMs: number;
  /** Backstop for calls whose work grows with image size (remove, flatten, rollback, purge, du). */
  longOpMs: number;
}

export interface RunOptions<T> {
  /** Use the long-operation backstop. */
  long?: boolean;
  /** Strings that must never appear in an error message (keys). */
  redact?: string[];
  /** Called with a result that arrives after the backstop fired (e.g. to close a late handle). */
  onLate?: (value: T) => void;
}

type Kind = "cluster connection" | "ioctx" | "image";

interface Closable {
  close(): Promise<void>;
}

export class HandleGuard {
  private closing?: Promise<void>;
  /** Calls in flight (each bounded by its backstop), and who waits for them to drain. */
  private inflight = 0;
  private drained?: { promise: Promise<void>; resolve: () => void };
  private readonly children = new Set<Closable>();

  constructor(
    readonly kind: Kind,
    readonly timeouts: Timeouts,
    private readonly parent?: HandleGuard,
  ) {}

  /** True once this handle or any parent started closing. */
  get closed(): boolean {
    return this.closing !== undefined || (this.parent?.closed ?? false);
  }

  private closedKind(): Kind {
    if (this.closing !== undefined || !this.parent) return this.kind;
    return this.parent.closedKind();
  }

  /** Registers a child (ioctx of a cluster, image of an ioctx) to close before this handle. */
  adopt(child: Closable): void {
    this.children.add(child);
  }

  release(child: Closable): void {
    this.children.delete(child);
  }

  /**
   * Runs one native call with the closed check, backstop and error conversion: one promise a call,
   * its deadline kept with every other call's under one timer (Backstops, below).
   */
  run<T>(op: string, ctx: ErrorContext, call: () => Promise<T>, opts: RunOptions<T> = {}): Promise<T> {
    if (this.closed) return Promise.reject(closedError(op, ctx, this.closedKind()));
    let native: Promise<T>;
    try {
      native = call();
    } catch (e) {
      return Promise.reject(fromNative(e, op, ctx, opts.redact));
    }
    this.inflight++;
    return withBackstop(native, opts.long ? this.timeouts.longOpMs : this.timeouts.opMs, op, ctx, {
      onLate: opts.onLate,
      onSettled: this.settled,
      mapError: (e) => fromNative(e, op, ctx, opts.redact),
    });
  }

  /** A call settled (or its backstop fired): close() waits for none to be left. */
  private readonly settled = (): void => {
    if (--this.inflight === 0 && this.drained) {
      this.drained.resolve();
      this.drained = undefined;
    }
  };

  private idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  /**
   * Closes once: stops new calls now, closes children, waits for in-flight calls (each is
   * bounded by its backstop), then closes the native handle. Later calls return the same promise.
   */
  close(op: string, ctx: ErrorContext, closeNative: () => Promise<void>): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await Promise.allSettled([...this.children].map((c) => c.close()));
        await this.idle();
        await withBackstop(closeNative(), this.timeouts.opMs, op, ctx, { mapError: (e) => fromNative(e, op, ctx) });
      })();
    }
    return this.closing;
  }
}

export interface Backstop<T> {
  /** Called with a result that arrives after the backstop fired. */
  onLate?: (value: T) => void;
  /** Called once, when the call settles or the backstop fires, whichever is first. */
  onSettled?: () => void;
  /** Turns the call's own rejection into the error to throw. */
  mapError?: (e: unknown) => unknown;
}

/**
 * Rejects with a TimeoutError if `p` has not settled after `ms`. The native call keeps running
 * (it cannot be cancelled) and keeps its handle alive on the C++ side until it returns.
 */
export function withBackstop<T>(p: Promise<T>, ms: number, op: string, ctx: ErrorContext, hooks: Backstop<T> = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let fired = false;
    const expire = () => {
      fired = true;
      hooks.onSettled?.();
      reject(backstopError(ms, op, ctx));
    };
    backstops.add(expire, ms);
    p.then(
      (value) => {
        if (fired) return hooks.onLate?.(value);
        backstops.delete(expire);
        hooks.onSettled?.();
        resolve(value);
      },
      (err: unknown) => {
        if (fired) return;
        backstops.delete(expire);
        hooks.onSettled?.();
        reject(hooks.mapError ? hooks.mapError(err) : err);
      },
    );
  });
}

/**
 * The deadlines of every call in flight, served by one timer. A setTimeout and clearTimeout a
 * call added 0.017 ms to a 0.37 ms stat (bench/results/NOTES.md); a map entry costs nothing that
 * shows. The timer is always due at or before the earliest deadline, and holds the process open
 * only while a call is in flight, as a timer of each call's own did.
 */
class Backstops {
  private readonly due = new Map<() => void, number>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  add(expire: () => void, ms: number): void {
    const at = performance.now() + ms;
    this.due.set(expire, at);
    if (at < this.timerAt) this.arm(at);
    else if (this.due.size === 1) this.timer?.ref();
  }

  delete(expire: () => void): void {
    this.due.delete(expire);
    // Left armed: the next call most likely comes before it is due. It just stops holding the process.
    if (this.due.size === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.max(0, at - performance.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [expire, at] of this.due) {
      if (at <= now) {
        this.due.delete(expire);
        expire();
      } else if (at < next) next = at;
    }
    if (next < Infinity) this.arm(next);
  };
}

const backstops = new Backstops();

function backstopError(ms: number, op: string, ctx: ErrorContext): Error {
  return cephError("ETIMEDOUT", op, ctx, { description: `no reply within ${Math.round(ms / 100) / 10}s` });
}
