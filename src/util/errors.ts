/**
 * An error caused by input the user can fix (a path, a file, a row, an option).
 *
 * The CLI and the notebook widgets print only its message — no stack — so the
 * message must say what was wrong and where: file, row, field.
 *
 * @example
 * try {
 *   await loadRecords('missing.jsonl');
 * } catch (error) {
 *   if (error instanceof EmbedlabError) console.error(error.message); // names the file
 *   else throw error;
 * }
 */
export class EmbedlabError extends Error {
  override readonly name: string = 'EmbedlabError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Formats a location such as `data.jsonl row 12, field "positive"` (row and field when given). */
export function where(file: string, row?: number, field?: string): string {
  let text = file;
  if (row !== undefined) text += ` row ${row}`;
  if (field !== undefined) text += `, field "${field}"`;
  return text;
}
