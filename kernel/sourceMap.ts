/**
 * Reading source maps (v3): from a generated position to the original one.
 * Only what the kernel needs to map stack frames of compiled cells back to
 * the TypeScript the user wrote: one source, lines and columns.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** One mapped position: generated column → original line and column (all 0-based). */
interface Segment {
  column: number;
  line: number;
  originalColumn: number;
}

/** Decodes the base64 VLQ numbers of one segment. */
function decodeSegment(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`bad source map character "${char}"`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** A decoded source map. */
export class SourceMap {
  private readonly lines: Segment[][];

  /** `map` is the JSON text or object of a v3 source map. */
  constructor(map: string | { mappings: string }) {
    const { mappings } = typeof map === 'string' ? (JSON.parse(map) as { mappings: string }) : map;
    let line = 0;
    let originalColumn = 0;
    this.lines = mappings.split(';').map((group) => {
      let column = 0;
      const segments: Segment[] = [];
      for (const text of group.split(',')) {
        if (!text) continue;
        const [dColumn = 0, , dLine, dOriginalColumn] = decodeSegment(text);
        column += dColumn;
        if (dLine === undefined) continue; // a segment without a source
        line += dLine;
        originalColumn += dOriginalColumn ?? 0;
        segments.push({ column, line, originalColumn });
      }
      return segments;
    });
  }

  /**
   * The original position (0-based) of generated `line`, `column` (0-based):
   * the last segment at or before the column, else the line's first one.
   */
  original(line: number, column: number): { line: number; column: number } | undefined {
    const segments = this.lines[line];
    if (!segments?.length) return undefined;
    let found = segments[0]!;
    for (const segment of segments) {
      if (segment.column > column) break;
      found = segment;
    }
    return { line: found.line, column: found.originalColumn };
  }
}
