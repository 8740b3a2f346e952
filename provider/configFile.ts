// ConfigSettings: the keys one resource manages in an operator's INI file (cinder.conf, nova.conf,
// glance-api.conf, a client ceph.conf). Only those keys change; every other section, key, comment
// and the order of lines stay. The value each key had before is kept in state, so delete (and a key
// that stops being managed) puts back exactly what was there. read reports hand edits as drift.
import { chmodSync, unlinkSync } from "fs";
import { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { addListItem, applyMultiValues, applyValues, getMultiValues, getValues, parseListValue, readTextFile, removeListItem, renderIni, restoreMultiValues, restoreValues, writeTextFileAtomic } from "./ini";
import type { PreviousValues } from "./ini";
import { renderers, type Rendered } from "./configRenderers";
import { absoluteFilePath, parseInputs } from "./validate";

const renderedSchema = z.object({
  sections: z.array(z.object({ section: z.string(), values: z.record(z.string(), z.string()) })),
  listItems: z.array(z.object({ section: z.string(), key: z.string(), item: z.string() })),
  multiValues: z.array(z.object({ section: z.string(), key: z.string(), values: z.array(z.string()) })).optional(),
});

export const configSettingsInputs = z.object({
  path: absoluteFilePath(),
  /** Which service's options these are; selects the validation and rendering. */
  service: z.string().refine((s) => Object.hasOwn(renderers, s), { message: `must be one of: ${Object.keys(renderers).join(", ")}` }),
  spec: z.record(z.string(), z.unknown()),
  /** Mode for the file if it has to be created (an existing file keeps its mode, owner and group). */
  fileMode: z.number().int().min(0).max(0o777).default(0o640),
  rendered: renderedSchema.optional(),
});

export type ConfigSettingsInputs = z.output<typeof configSettingsInputs>;

/** Where each managed key stood before we first set it. */
interface Ledger {
  /** section -> key -> text before (null: absent) */
  previous: Record<string, PreviousValues>;
  /** sections the resource had to add to the file */
  createdSections: string[];
  /** "section\u0000key\u0000item" -> the list key's text before (null: absent) */
  listPrevious: Record<string, string | null>;
  /** "section\u0000key" -> the multi-valued key's lines before (null: absent) */
  multiPrevious?: Record<string, string[] | null>;
  /** The file did not exist: delete removes it again once nothing else was written to it. */
  fileCreated?: boolean;
}

const listId = (l: { section: string; key: string; item: string }) => `${l.section}\u0000${l.key}\u0000${l.item}`;
const multiId = (m: { section: string; key: string }) => `${m.section}\u0000${m.key}`;
/** A multi-valued key's lines in settings: "section.key#1", "section.key#2"... in file order. */
const multiSetting = (m: { section: string; key: string }, i: number) => `${m.section}.${m.key}#${i + 1}`;

/** The managed settings flattened to "section.key" -> value; list items as "section.key[item]" -> "present"; multi-valued keys as "section.key#N". */
export function settingsMap(rendered: Rendered): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of rendered.sections) for (const [k, v] of Object.entries(s.values)) out[`${s.section}.${k}`] = v;
  for (const l of rendered.listItems) out[`${l.section}.${l.key}[${l.item}]`] = "present";
  for (const m of rendered.multiValues ?? []) m.values.forEach((v, i) => (out[multiSetting(m, i)] = v));
  return out;
}

/** The managed settings alone, as the text of a file of their own (for users who ship files another way). */
export function renderedText(rendered: Rendered): string {
  const sections: Record<string, Record<string, string>> = {};
  for (const s of rendered.sections) sections[s.section] = { ...sections[s.section], ...s.values };
  for (const l of rendered.listItems) {
    const current = sections[l.section]?.[l.key];
    sections[l.section] = { ...sections[l.section], [l.key]: current ? `${current},${l.item}` : l.item };
  }
  let text = renderIni(sections);
  for (const m of rendered.multiValues ?? []) text = applyMultiValues(text, m.section, m.key, m.values).text;
  return text;
}

/** What the file really says for each managed setting (absent keys are missing from the map). */
function actualSettings(text: string, rendered: Rendered): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of rendered.sections) {
    const values = getValues(text, s.section, Object.keys(s.values));
    for (const [k, v] of Object.entries(values)) if (v !== undefined) out[`${s.section}.${k}`] = v;
  }
  for (const l of rendered.listItems) {
    const [value] = Object.values(getValues(text, l.section, [l.key]));
    out[`${l.section}.${l.key}[${l.item}]`] = value !== undefined && parseListValue(value).includes(l.item) ? "present" : "absent";
  }
  // Every line found, so a line added or removed by hand shows as well as one edited.
  for (const m of rendered.multiValues ?? []) getMultiValues(text, m.section, m.key).forEach((v, i) => (out[multiSetting(m, i)] = v));
  return out;
}

function applyRendered(text: string, rendered: Rendered, ledger: Ledger): string {
  for (const s of rendered.sections) {
    const result = applyValues(text, s.section, s.values);
    text = result.text;
    const prev = (ledger.previous[s.section] ??= {});
    // Keep the oldest "before": a key we already manage keeps what it had before we first set it.
    for (const [k, v] of Object.entries(result.previous)) if (!(k in prev)) prev[k] = v;
    if (result.sectionCreated && !ledger.createdSections.includes(s.section)) ledger.createdSections.push(s.section);
  }
  for (const l of rendered.listItems) {
    const result = addListItem(text, l.section, l.key, l.item);
    text = result.text;
    if (!(listId(l) in ledger.listPrevious)) ledger.listPrevious[listId(l)] = result.previous;
    if (result.sectionCreated && !ledger.createdSections.includes(l.section)) ledger.createdSections.push(l.section);
  }
  for (const m of rendered.multiValues ?? []) {
    const result = applyMultiValues(text, m.section, m.key, m.values);
    text = result.text;
    const multiPrevious = (ledger.multiPrevious ??= {});
    if (!(multiId(m) in multiPrevious)) multiPrevious[multiId(m)] = result.previous;
    if (result.sectionCreated && !ledger.createdSections.includes(m.section)) ledger.createdSections.push(m.section);
  }
  return text;
}

/** Puts back what was there before for every managed setting not in `keep` (all of them when keep is empty). */
function restore(text: string, rendered: Rendered, ledger: Ledger, keep?: Rendered): string {
  const kept = new Set(keep ? Object.keys(settingsMap(keep)) : []);
  for (const l of rendered.listItems) {
    if (kept.has(`${l.section}.${l.key}[${l.item}]`)) continue;
    const id = listId(l);
    text = removeListItem(text, l.section, l.key, l.item, ledger.listPrevious[id] ?? null, {
      removeSectionIfCreatedAndEmpty: ledger.createdSections.includes(l.section),
    });
    delete ledger.listPrevious[id];
  }
  // Before the sections: a section is removed only once nothing but blank lines is left in it.
  const keptMulti = new Set((keep?.multiValues ?? []).map(multiId));
  for (const m of rendered.multiValues ?? []) {
    if (keptMulti.has(multiId(m))) continue;
    const previous = ledger.multiPrevious?.[multiId(m)] ?? null;
    text = restoreMultiValues(text, m.section, m.key, previous, {
      removeSectionIfCreatedAndEmpty: ledger.createdSections.includes(m.section) && !keep?.sections.some((x) => x.section === m.section),
    });
    delete ledger.multiPrevious?.[multiId(m)];
  }
  for (const s of rendered.sections) {
    const prev = ledger.previous[s.section] ?? {};
    const toRestore: PreviousValues = {};
    for (const k of Object.keys(s.values)) {
      if (kept.has(`${s.section}.${k}`) || !(k in prev)) continue;
      toRestore[k] = prev[k];
      delete prev[k];
    }
    text = restoreValues(text, s.section, toRestore, {
      removeSectionIfCreatedAndEmpty: ledger.createdSections.includes(s.section) && !keep?.sections.some((x) => x.section === s.section),
    });
  }
  return text;
}

function render(inputs: ConfigSettingsInputs): Rendered {
  const renderer = renderers[inputs.service];
  return renderer.render(renderer.schema.parse(inputs.spec));
}

function outputs(inputs: ConfigSettingsInputs, rendered: Rendered, ledger: Ledger, settings: Record<string, string>) {
  return { ...inputs, rendered, settings, ledger, renderedText: renderedText(rendered) };
}

export const configSettingsProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const parsed = parseInputs(configSettingsInputs, news);
    if (!parsed.ok) return { failures: parsed.failures };
    const renderer = renderers[parsed.value.service];
    const spec = parseInputs(renderer.schema, parsed.value.spec);
    if (!spec.ok) return { failures: spec.failures };
    // Not all known yet (a preview): render once the engine checks again with real values.
    if (!parsed.complete || !spec.complete) return { inputs: { ...news, ...parsed.value } };
    const rendered = renderer.render(spec.value);
    return { inputs: { ...news, ...parsed.value, rendered, settings: settingsMap(rendered), renderedText: renderedText(rendered) } };
  },

  async diff(_id, olds, news) {
    const changed: string[] = [];
    if (olds.path !== news.path) changed.push("path");
    if (olds.service !== news.service) changed.push("service");
    if (JSON.stringify(olds.settings) !== JSON.stringify(news.settings)) changed.push("settings");
    // fileMode is ours only for a file this resource created; an operator's file keeps its own mode.
    if (olds.fileMode !== news.fileMode && olds.ledger?.fileCreated) changed.push("fileMode");
    const replaces = changed.filter((p) => p === "path" || p === "service");
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(raw) {
    const inputs = configSettingsInputs.parse(raw);
    const rendered = render(inputs);
    const existing = readTextFile(inputs.path);
    const ledger: Ledger = { previous: {}, createdSections: [], listPrevious: {}, fileCreated: existing === undefined };
    const before = existing ?? "";
    const after = applyRendered(before, rendered, ledger);
    if (after !== before || existing === undefined) writeTextFileAtomic(inputs.path, after, inputs.fileMode);
    return { id: `${inputs.path}#${inputs.service}:${rendered.sections.map((s) => s.section).join(",")}`, outs: outputs(inputs, rendered, ledger, settingsMap(rendered)) };
  },

  async read(id, props) {
    const inputs = configSettingsInputs.parse(props);
    // Rendered again from the spec, not taken from state: state hands maps back with their keys
    // sorted, and the outputs must stay exactly what create or update returned (line order included).
    const rendered = render(inputs);
    const text = readTextFile(inputs.path);
    if (text === undefined) return {}; // the whole file is gone
    return { id, props: outputs(inputs, rendered, props.ledger, actualSettings(text, rendered)) };
  },

  async update(_id, olds, news) {
    const inputs = configSettingsInputs.parse(news);
    const rendered = render(inputs);
    const oldRendered = renderedSchema.parse(olds.rendered);
    const ledger: Ledger = structuredClone(olds.ledger);
    let text = readTextFile(inputs.path) ?? "";
    // Settings no longer managed get their earlier values back; the rest is (re)applied.
    text = restore(text, oldRendered, ledger, rendered);
    text = applyRendered(text, rendered, ledger);
    writeTextFileAtomic(inputs.path, text, inputs.fileMode);
    // An existing file keeps its mode on write: a changed fileMode of a file we created is applied here.
    if (ledger.fileCreated && olds.fileMode !== inputs.fileMode) chmodSync(inputs.path, inputs.fileMode);
    return { outs: outputs(inputs, rendered, ledger, settingsMap(rendered)) };
  },

  async delete(_id, props) {
    const inputs = configSettingsInputs.parse(props);
    const rendered = renderedSchema.parse(props.rendered);
    const before = readTextFile(inputs.path);
    if (before === undefined) return;
    const ledger: Ledger = structuredClone(props.ledger);
    const after = restore(before, rendered, ledger);
    if (ledger.fileCreated && after.trim() === "") {
      unlinkSync(inputs.path);
      return;
    }
    if (after !== before) writeTextFileAtomic(inputs.path, after);
  },
};
