/** Comment- and order-preserving editing of oslo.config INI files, and atomic file writes. */

export { IniWriteError, encodeValue } from "./encode";
export { readTextFile, writeTextFileAtomic, DEFAULT_NEW_FILE_MODE } from "./file";
export { addListItem, parseListValue, removeListItem } from "./list";
export type { ListItemAddResult } from "./list";
export { parseIni } from "./model";
export type { IniDocument, IniLine, IniProblem } from "./model";
export { renderIni } from "./render";
export { applyMultiValues, getMultiValues, restoreMultiValues } from "./multi";
export type { MultiApplyResult } from "./multi";
export { applyValues, getValues, restoreValues } from "./values";
export type { ApplyResult, PreviousValues, RestoreOptions } from "./values";
