// Internal: the TypeScript half of a native handle's lifecycle. Each Cluster, IoCtx and Image owns
// a HandleGuard that
//  - rejects calls once it (or a parent) is closed, with a ClosedError, before touching the addon;
//  - bounds every native call with a backstop timer (librados has its own timeouts; this catches
//    a call that never returns at all);
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
  private readonly inflight = new Set<Promise<unknown>>();
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

  /** Runs one native call with the closed check, backstop timer and error conversion. */
  run<T>(op: string, ctx: ErrorContext, call: () => Promise<T>, opts: RunOptions<T> = {}): Promise<T> {
    if (this.closed) return Promise.reject(closedError(op, ctx, this.closedKind()));
    let native: Promise<T>;
    try {
      native = call();
    } catch (e) {
      return Promise.reject(fromNative(e, op, ctx, opts.redact));
    }
    const bounded = withBackstop(native, opts.long ? this.timeouts.longOpMs : this.timeouts.opMs, op, ctx, opts.onLate)
      .catch((e: unknown) => {
        throw fromNative(e, op, ctx, opts.redact);
      });
    this.track(bounded);
    return bounded;
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
  }

  /**
   * Closes once: stops new calls now, closes children, waits for in-flight calls (each is
   * bounded by its backstop), then closes the native handle. Later calls return the same promise.
   */
  close(op: string, ctx: ErrorContext, closeNative: () => Promise<void>): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await Promise.allSettled([...this.children].map((c) => c.close()));
        await Promise.allSettled([...this.inflight]);
        await withBackstop(closeNative(), this.timeouts.opMs, op, ctx).catch((e: unknown) => {
          throw fromNative(e, op, ctx);
        });
      })();
    }
    return this.closing;
  }
}

/**
 * Rejects with a TimeoutError if `p` has not settled after `ms`. The native call keeps running
 * (it cannot be cancelled) and keeps its handle alive on the C++ side until it returns.
 */
export function withBackstop<T>(
  p: Promise<T>,
  ms: number,
  op: string,
  ctx: ErrorContext,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
      reject(
        cephError("ETIMEDOUT", op, ctx, {
          description: `no reply within ${Math.round(ms / 100) / 10}s`,
        }),
      );
    }, ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        if (fired) onLate?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!fired) reject(err);
      },
    );
  });
}
