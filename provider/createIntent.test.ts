// Which unmarked image a create intent vouches for: its own owner's, made within the window.
import { INTENT_WINDOW_MS, madeByIntent } from "./createIntent";

const at = Date.UTC(2026, 11, 3, 10, 0, 0);
const sec = (ms: number) => Math.floor(ms / 1000);

test("an intent vouches for an image of its owner whose id object was written within the window", () => {
  const intent = { owner: "p/dev/vol", at };
  expect(madeByIntent(intent, "p/dev/vol", sec(at + 40))).toBe(true);
  // mtime is whole seconds and the OSD's clock: a little before the intent still counts.
  expect(madeByIntent(intent, "p/dev/vol", sec(at - 1500))).toBe(true);
  expect(madeByIntent(intent, "p/dev/vol", sec(at + INTENT_WINDOW_MS - 1000))).toBe(true);
});

test("no intent, another owner's, no owner declared, or an image made outside the window: not vouched for", () => {
  const intent = { owner: "p/dev/vol", at };
  expect(madeByIntent(undefined, "p/dev/vol", sec(at))).toBe(false);
  expect(madeByIntent(intent, "p/dev/other", sec(at))).toBe(false);
  expect(madeByIntent(intent, undefined, sec(at))).toBe(false);
  expect(madeByIntent(intent, "p/dev/vol", sec(at + INTENT_WINDOW_MS + 1000))).toBe(false);
  expect(madeByIntent(intent, "p/dev/vol", sec(at - INTENT_WINDOW_MS - 1000))).toBe(false);
});
