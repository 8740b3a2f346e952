import { assertValid, validateUsageName, validateUuid } from "./validation";

describe("validateUuid", () => {
  test("accepts a canonical UUID", () => {
    expect(validateUuid("457eb676-33da-42ec-9a8c-9293d545c337")).toBeUndefined();
  });

  test.each([
    ["uppercase", "457EB676-33DA-42EC-9A8C-9293D545C337"],
    ["without hyphens", "457eb67633da42ec9a8c9293d545c337"],
    ["with braces", "{457eb676-33da-42ec-9a8c-9293d545c337}"],
    ["too short", "457eb676-33da-42ec-9a8c-9293d545c33"],
    ["with a trailing newline", "457eb676-33da-42ec-9a8c-9293d545c337\n"],
    ["empty", ""],
  ])("rejects a UUID: %s", (_, uuid) => {
    expect(validateUuid(uuid)).toMatch(/lowercase and hyphenated/);
  });

  test("rejects a non-string", () => {
    expect(validateUuid(undefined)).toMatch(/must be a string/);
  });
});

describe("validateUsageName", () => {
  test.each(["client.cinder secret", "client.nova", "a & b <c> 'd' \"e\""])("accepts %j", (name) => {
    expect(validateUsageName(name)).toBeUndefined();
  });

  test.each([
    ["empty", ""],
    ["too long", "x".repeat(257)],
    ["with a newline", "client.cinder\nsecret"],
    ["non-ASCII", "client.cïnder"],
    ["with a leading space", " client.cinder"],
    ["with a trailing space", "client.cinder "],
  ])("rejects a usage name: %s", (_, name) => {
    expect(validateUsageName(name)).toEqual(expect.any(String));
  });
});

test("assertValid throws a TypeError naming the field, and passes when there is no problem", () => {
  expect(() => assertValid("uuid", validateUuid("nope"))).toThrow(TypeError);
  expect(() => assertValid("uuid", validateUuid("nope"))).toThrow(/^uuid: /);
  expect(() => assertValid("uuid", undefined)).not.toThrow();
});
