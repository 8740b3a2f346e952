import { addListItem, parseListValue, removeListItem } from "./list";
import { CINDER_CONF } from "./testFixtures";
import { getValues } from "./values";

describe("parseListValue", () => {
  it("reads items like oslo's ListOpt", () => {
    expect(parseListValue("ceph,lvm")).toEqual(["ceph", "lvm"]);
    expect(parseListValue(" ceph , lvm ,")).toEqual(["ceph", "lvm"]);
    expect(parseListValue("")).toEqual([]);
  });
});

describe("addListItem / removeListItem", () => {
  it("adds ceph to enabled_backends = lvm and removes it again byte-identically", () => {
    const added = addListItem(CINDER_CONF, "DEFAULT", "enabled_backends", "ceph");
    expect(added.previous).toBe("lvm");
    expect(added.changed).toBe(true);
    expect(getValues(added.text, "DEFAULT", ["enabled_backends"])).toEqual({ enabled_backends: "lvm,ceph" });
    expect(added.text.replace("enabled_backends = lvm,ceph", "enabled_backends = lvm")).toBe(CINDER_CONF);

    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous)).toBe(CINDER_CONF);
  });

  it("is idempotent", () => {
    const once = addListItem(CINDER_CONF, "DEFAULT", "enabled_backends", "ceph");
    const twice = addListItem(once.text, "DEFAULT", "enabled_backends", "ceph");
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once.text);
  });

  it("keeps items other resources added in the meantime, in order", () => {
    const first = addListItem("[DEFAULT]\nenabled_backends = lvm\n", "DEFAULT", "enabled_backends", "ceph");
    const second = addListItem(first.text, "DEFAULT", "enabled_backends", "ceph-ssd");
    expect(second.text).toBe("[DEFAULT]\nenabled_backends = lvm,ceph,ceph-ssd\n");
    const firstRemoved = removeListItem(second.text, "DEFAULT", "enabled_backends", "ceph", first.previous);
    expect(firstRemoved).toBe("[DEFAULT]\nenabled_backends = lvm,ceph-ssd\n");
    expect(removeListItem(firstRemoved, "DEFAULT", "enabled_backends", "ceph-ssd", second.previous)).toBe(
      "[DEFAULT]\nenabled_backends = lvm\n",
    );
  });

  it("follows the value's `, ` spacing and keeps a trailing comma", () => {
    const added = addListItem("[DEFAULT]\nenabled_backends = lvm, nfs,\n", "DEFAULT", "enabled_backends", "ceph");
    expect(added.text).toBe("[DEFAULT]\nenabled_backends = lvm, nfs, ceph,\n");
    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous)).toBe(
      "[DEFAULT]\nenabled_backends = lvm, nfs,\n",
    );
  });

  it("removes the key line when the last item goes and the key was absent before", () => {
    const text = "[DEFAULT]\ndebug = false\n";
    const added = addListItem(text, "DEFAULT", "enabled_backends", "ceph");
    expect(added.previous).toBeNull();
    expect(added.text).toBe("[DEFAULT]\ndebug = false\nenabled_backends = ceph\n");
    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous)).toBe(text);
  });

  it("keeps an empty key that existed before", () => {
    const text = "[DEFAULT]\nenabled_backends =\n";
    const added = addListItem(text, "DEFAULT", "enabled_backends", "ceph");
    expect(added.text).toBe("[DEFAULT]\nenabled_backends =ceph\n");
    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous)).toBe(text);
  });

  it("leaves an item that was already there before we added it", () => {
    const text = "[DEFAULT]\nenabled_backends = ceph,lvm\n";
    const added = addListItem(text, "DEFAULT", "enabled_backends", "ceph");
    expect(added.changed).toBe(false);
    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous)).toBe(text);
  });

  it("removes an item from the front without leaving a leading space", () => {
    expect(removeListItem("[DEFAULT]\nenabled_backends = ceph, lvm\n", "DEFAULT", "enabled_backends", "ceph", "lvm")).toBe(
      "[DEFAULT]\nenabled_backends = lvm\n",
    );
  });

  it("creates [DEFAULT] when absent and removes it again if asked", () => {
    const text = "[database]\nconnection = sqlite://\n";
    const added = addListItem(text, "DEFAULT", "enabled_backends", "ceph");
    expect(added.sectionCreated).toBe(true);
    expect(removeListItem(added.text, "DEFAULT", "enabled_backends", "ceph", added.previous, { removeSectionIfCreatedAndEmpty: true })).toBe(text);
  });

  it("refuses items with commas or spaces", () => {
    expect(() => addListItem("", "DEFAULT", "enabled_backends", "a,b")).toThrow(/without commas/);
    expect(() => addListItem("", "DEFAULT", "enabled_backends", " a")).toThrow(/surrounding whitespace/);
  });
});
