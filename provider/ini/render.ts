/**
 * Renders a whole new oslo.config file (one we own, such as a drop-in under
 * /etc/cinder/cinder.conf.d/).
 *
 * The `ini` package's stringify is not used: it escapes `#` and `;` with
 * backslashes, JSON-quotes values containing `=` (with JSON escapes inside) and
 * writes dots in section names as `\.`; oslo.config has no escapes, so it would
 * read all of those back wrong. The format here is the one oslo-config-generator
 * writes: `[section]`, then `key = value` lines, a blank line between sections.
 */

import { assertKey, assertSectionName, encodeValue, IniWriteError } from "./encode";
import { sectionId } from "./model";

export function renderIni(sections: Record<string, Record<string, string>>): string {
  const blocks: string[] = [];
  const seen = new Set<string>();
  for (const [section, values] of Object.entries(sections)) {
    assertSectionName(section);
    // oslo would merge two spellings of one section; refuse rather than guess which value wins.
    if (seen.has(sectionId(section))) {
      throw new IniWriteError(`section [${section}] appears twice (oslo.config section names are case-insensitive)`);
    }
    seen.add(sectionId(section));
    const lines = [`[${section}]`];
    for (const [key, value] of Object.entries(values)) {
      assertKey(key);
      lines.push(`${key} = ${encodeValue(value)}`);
    }
    blocks.push(lines.join("\n") + "\n");
  }
  return blocks.join("\n");
}
