// The worker plumbing every native op shares: a C++ exception thrown while an op runs rejects with
// EIO and keeps the exception's message, so the error says what happened.
import { addon } from "./binding";
import { CephError, fromNative } from "./errors";

test("a C++ exception in a worker rejects with EIO carrying its message", async () => {
  const raw = await addon().throwInWorker("vector::_M_range_check: __n (which is 3) >= this->size()").then(
    () => undefined,
    (e: unknown) => e as { code: string; errno: number; detail?: string; op: string },
  );
  expect(raw).toMatchObject({ code: "EIO", errno: 5, op: "throw in worker" });
  expect(raw?.detail).toBe("C++ exception: vector::_M_range_check: __n (which is 3) >= this->size()");
  // As every op reports it: cluster and operation, then what the exception said.
  const typed = fromNative(raw, "stat image", { cluster: "east", pool: "volumes", image: "vol1" }) as CephError;
  expect(typed).toBeInstanceOf(CephError);
  expect(typed.message).toBe(
    "ceph cluster east: stat image volumes/vol1 failed: EIO (Input/output error): C++ exception: vector::_M_range_check: __n (which is 3) >= this->size()",
  );
});
