import { parseSecretXml, renderCephSecretXml } from "./secret-xml";

const uuid = "457eb676-33da-42ec-9a8c-9293d545c337";

describe("secret XML", () => {
  test("renders the persistent, readable ceph secret Nova expects", () => {
    const xml = renderCephSecretXml(uuid, "client.cinder secret");
    expect(xml).toContain("<secret ephemeral='no' private='no'>");
    expect(xml).toContain(`<uuid>${uuid}</uuid>`);
    expect(xml).toContain("<usage type='ceph'>");
    expect(xml).toContain("<name>client.cinder secret</name>");
  });

  test("escapes markup in the usage name and reads it back unchanged", () => {
    const name = `a & b <c> 'd' "e"`;
    const xml = renderCephSecretXml(uuid, name);
    expect(xml).not.toContain("<c>");
    expect(parseSecretXml(xml).usageName).toBe(name);
  });

  test("parses what libvirt 9.0 prints for secret-dumpxml", () => {
    const dumped = `<secret ephemeral='no' private='no'>
  <uuid>${uuid}</uuid>
  <usage type='ceph'>
    <name>a &amp; b &lt;x&gt; &quot;q&quot; &apos;p&apos; &#65;&#x42;</name>
  </usage>
</secret>
`;
    expect(parseSecretXml(dumped)).toEqual({
      uuid,
      usageType: "ceph",
      usageName: `a & b <x> "q" 'p' AB`,
      ephemeral: false,
      private: false,
    });
  });

  test("parses other usage types and flags", () => {
    const volume = `<secret ephemeral="yes" private="yes"><uuid>${uuid}</uuid><usage type="volume"><volume>/var/lib/x.img</volume></usage></secret>`;
    expect(parseSecretXml(volume)).toMatchObject({ usageType: "volume", usageName: "/var/lib/x.img", ephemeral: true, private: true });
    const iscsi = `<secret ephemeral='no' private='no'><uuid>${uuid}</uuid><usage type='iscsi'><target>libvirtiscsi</target></usage></secret>`;
    expect(parseSecretXml(iscsi)).toMatchObject({ usageType: "iscsi", usageName: "libvirtiscsi" });
  });

  test("a secret without usage has usage type none", () => {
    expect(parseSecretXml(`<secret ephemeral='no' private='no'><uuid>${uuid}</uuid></secret>`)).toMatchObject({
      usageType: "none",
      usageName: undefined,
    });
  });

  test("rejects documents that are not secrets", () => {
    expect(() => parseSecretXml("<domain/>")).toThrow(/no <secret>/);
    expect(() => parseSecretXml("<secret></secret>")).toThrow(/no <uuid>/);
  });
});
