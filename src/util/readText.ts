import { readFileSync } from 'node:fs';
import { EmbedlabError } from './errors';
import { explainFsError } from './fsErrors';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a UTF-8 text file. "Not found" and friends, and bytes that are not
 * UTF-8 (a Latin-1 or UTF-16 export), are an {@link EmbedlabError} naming the
 * file — and for bad bytes the line — instead of text with U+FFFD in it.
 */
export function readText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const explained = explainFsError(error, path, 'read');
    throw explained instanceof EmbedlabError ? explained : new EmbedlabError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new EmbedlabError(`${path} ${invalidUtf8Where(bytes)} is not valid UTF-8; save the file as UTF-8 (e.g. \`iconv -f latin1 -t utf-8\`)`);
  }
}

/** "line N" of the first line that is not valid UTF-8. */
function invalidUtf8Where(bytes: Buffer): string {
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      strictUtf8.decode(bytes.subarray(start, end));
    } catch {
      return `line ${line}`;
    }
    start = end + 1;
  }
  return 'somewhere';
}
