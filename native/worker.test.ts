// The worker plumbing every native op shares: a C++ exception thrown while an op runs rejects with
// EIO and keeps the exception's message, so the error says what happened.
import { addon } from "./binding";
import { CephError, fromNative } from "./errors";
import { whileCallThreadsBusy } from "./testing";

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

// Blocking calls run on the addon's call threads (native/src/threadpool.h). libuv's pool hands
// each call to its longest-idle thread, so calls made one after another went round all of them,
// each starting cold; the most recently idle thread takes the next call here.
describe("call threads", () => {
  test("calls made one after another keep to one warm thread, however many threads are idle", async () => {
    // Every thread started and held at once, then all let go.
    await whileCallThreadsBusy(async () => undefined);
    const { started, idle, limit } = addon().callThreads();
    expect(started).toBe(limit);
    expect(idle).toBe(limit);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push(await addon().callThreadId());
    expect(new Set(ids).size).toBe(1);
    expect(addon().callThreads().started).toBe(limit);
  });

  test("overlapping calls wait once every thread is busy, run as threads come free, and start no thread beyond the limit", async () => {
    let answered = 0;
    await whileCallThreadsBusy(async () => {
      const queued = [0, 1, 2].map(() => addon().callThreadId().then(() => answered++));
      await new Promise((r) => setTimeout(r, 200));
      expect(answered).toBe(0); // no thread free: they wait
      return queued;
    }).then((queued) => Promise.all(queued));
    expect(answered).toBe(3);
    const { started, limit } = addon().callThreads();
    expect(started).toBe(limit);
  });
});
