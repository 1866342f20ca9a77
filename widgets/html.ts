/** Small HTML helpers shared by the widgets. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * JSON that is safe inside a `<script>` element: `<`, `>`, `&` and the JS
 * line separators are written as \u escapes, so data cannot close the tag.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Formats a metric for tables: 4 decimals, or "—" when missing. */
export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return value.toFixed(digits);
}

/**
 * Formats a number for a table cell by its magnitude, as pandas does: four
 * significant digits (`0.8123`, `12.35`), exponent form for very small or
 * large values (`2e-5`, `3.1e+7`), integers as they are.
 *
 * @example
 * formatValue(2e-5); // "2e-5"
 */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e7) {
    const [mantissa, exponent] = value.toExponential(3).split('e');
    return `${mantissa!.replace(/\.?0+$/, '')}e${exponent!.replace('+', '')}`;
  }
  return abs >= 1e4 ? value.toFixed(1) : value.toPrecision(4);
}

/** Formats a signed percentage such as "+7.42%". */
export function formatPercent(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}%`;
}

/** Renders rows as a fixed-width text table (for text/plain outputs and terminals). */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
