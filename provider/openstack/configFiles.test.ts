/** The rendered option sets applied to operators' files with the INI editor, and taken out again. */

import { addListItem, applyValues, getValues, removeListItem, restoreValues } from "../ini";
import { CINDER_CONF } from "../ini/testFixtures";
import { renderCinderDefaults, renderCinderRbdBackend } from "./cinder";
import { renderNovaLibvirtRbd } from "./nova";

const SECRET = "457eb676-33da-42ec-9a8c-9293d545c337";

describe("rendered sections in operators' files", () => {
  it("adds a Cinder RBD backend next to LVM and removes it without a trace", () => {
    const spec = { sectionName: "ceph", rbdPool: "volumes", rbdUser: "cinder", rbdSecretUuid: SECRET, glanceApiVersion: 2 as const };
    const backend = renderCinderRbdBackend(spec);
    const defaults = renderCinderDefaults(spec);

    const withBackend = applyValues(CINDER_CONF, backend.section, backend.values);
    const withDefaults = applyValues(withBackend.text, defaults.section, defaults.values);
    const enabled = addListItem(withDefaults.text, "DEFAULT", "enabled_backends", defaults.enabledBackendsItem);

    expect(getValues(enabled.text, "DEFAULT", ["enabled_backends", "glance_api_version"])).toEqual({
      enabled_backends: "lvm,ceph",
      glance_api_version: "2",
    });
    expect(getValues(enabled.text, "ceph", ["volume_driver", "rbd_pool"])).toEqual({
      volume_driver: "cinder.volume.drivers.rbd.RBDDriver",
      rbd_pool: "volumes",
    });

    let text = removeListItem(enabled.text, "DEFAULT", "enabled_backends", defaults.enabledBackendsItem, enabled.previous);
    text = restoreValues(text, defaults.section, withDefaults.previous, { removeSectionIfCreatedAndEmpty: withDefaults.sectionCreated });
    text = restoreValues(text, backend.section, withBackend.previous, { removeSectionIfCreatedAndEmpty: withBackend.sectionCreated });
    expect(text).toBe(CINDER_CONF);
  });

  it("sets Nova's [libvirt] keys in place where the operator already has some", () => {
    const novaConf = "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n\n[libvirt]\nvirt_type = kvm\nimages_type = qcow2\n\n[vnc]\nenabled = true\n";
    const libvirt = renderNovaLibvirtRbd({ imagesRbdPool: "vms", rbdUser: "cinder", rbdSecretUuid: SECRET });
    const applied = applyValues(novaConf, libvirt.section, libvirt.values);
    expect(applied.text).toBe(
      "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n\n[libvirt]\nvirt_type = kvm\nimages_type = rbd\n" +
        `images_rbd_pool = vms\nrbd_user = cinder\nrbd_secret_uuid = ${SECRET}\n\n[vnc]\nenabled = true\n`,
    );
    expect(applied.previous.images_type).toBe("qcow2");
    expect(restoreValues(applied.text, libvirt.section, applied.previous, { removeSectionIfCreatedAndEmpty: false })).toBe(novaConf);
  });
});
