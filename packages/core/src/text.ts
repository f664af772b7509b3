/**
 * Control characters (C0 but tab, DEL, C1 including U+0085 NEL) and the Unicode line and paragraph
 * separators: in a webhook's text they can only forge a log line, split a header or a CSV record,
 * or hide text from a reader.
 */
// eslint-disable-next-line no-control-regex
const controls = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/u;
// eslint-disable-next-line no-control-regex
const controlsAll = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]+/gu;

/** `text` with each run of control characters replaced by one space (tabs kept). */
export function cleanText(text: string): string {
  return controls.test(text) ? text.replace(controlsAll, ' ') : text;
}

/** Whether `text` holds a character `cleanText` would replace. */
export function hasControlCharacters(text: string): boolean {
  return controls.test(text);
}

// eslint-disable-next-line no-control-regex
const csvControls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]+/gu;

/**
 * A CSV cell's text: control characters other than tab, CR and LF (which a quoted RFC 4180 field
 * carries as they are) become a space.
 */
export function cleanCsvText(text: string): string {
  return text.replace(csvControls, ' ');
}

/**
 * A CSV cell a spreadsheet will not run as a formula (OWASP, "CSV Injection"): a value starting
 * with =, +, -, @, tab or CR is prefixed with a single quote. `uncsvFormula` undoes it on import.
 */
export function csvFormulaSafe(text: string): string {
  // Values already starting with quotes before such a character get one more, so that
  // `uncsvFormula` can tell the added quote from one that was there: the pair is exact.
  return /^'*[=+\-@\t\r]/u.test(text) ? `'${text}` : text;
}

export function uncsvFormula(text: string): string {
  return /^'+[=+\-@\t\r]/u.test(text) ? text.slice(1) : text;
}
