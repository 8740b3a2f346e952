import { validateSharedSecretUuid } from "./sharedSecret";

const A = "457eb676-33da-42ec-9a8c-9293d545c337";
const B = "0b5e3f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

describe("validateSharedSecretUuid", () => {
  it("accepts one UUID everywhere, or any subset given", () => {
    expect(validateSharedSecretUuid({ cinderRbdSecretUuid: A, novaRbdSecretUuid: A, libvirtSecretUuid: A })).toEqual({ ok: true, uuid: A });
    expect(validateSharedSecretUuid({ novaRbdSecretUuid: A })).toEqual({ ok: true, uuid: A });
    expect(validateSharedSecretUuid({})).toEqual({ ok: true, uuid: undefined });
  });

  it("names the two that disagree", () => {
    expect(validateSharedSecretUuid({ cinderRbdSecretUuid: A, novaRbdSecretUuid: B })).toEqual({
      ok: false,
      error: `Nova's [libvirt] rbd_secret_uuid (${B}) differs from Cinder's rbd_secret_uuid (${A}): all three must be the same UUID`,
    });
    expect(validateSharedSecretUuid({ cinderRbdSecretUuid: A, novaRbdSecretUuid: A, libvirtSecretUuid: B })).toEqual({
      ok: false,
      error:
        `Cinder's rbd_secret_uuid (${A}) differs from the libvirt secret UUID (${B}); ` +
        `Nova's [libvirt] rbd_secret_uuid (${A}) differs from the libvirt secret UUID (${B}): all three must be the same UUID`,
    });
  });

  it("points out a difference only in letter case", () => {
    const result = validateSharedSecretUuid({ libvirtSecretUuid: A, cinderRbdSecretUuid: A.toUpperCase() });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("only in letter case");
  });
});
