/** HTML tables for arquero tables, danfo DataFrames and arrays of row objects. */
import { EmbedlabError } from '../src/util/errors';
import { escapeHtml, formatValue, textTable } from './html';
import { displayBundle, type MimeBundle } from './tslabBridge';

/** Anything {@link tableHtml} can show. */
export type TableLike =
  | { columnNames(): string[]; numRows(): number; objects(options?: { limit?: number }): object[] }
  | { columns: string[]; values: unknown[][]; shape?: number[] }
  | Record<string, unknown>[];

/** Options of {@link tableHtml}, {@link tableText} and {@link showTable}. */
export interface TableOptions {
  /**
   * Rows shown; the caption says how many were left out.
   * @default 20
   */
  limit?: number;
  /** Shown above the table. */
  caption?: string;
  /**
   * Fixed decimals for non-integer numbers.
   * @default four significant digits, exponent form when tiny or huge
   */
  digits?: number;
}

interface Rows {
  columns: string[];
  rows: unknown[][];
  total: number;
}

function toRows(table: TableLike, limit: number): Rows {
  if (Array.isArray(table)) {
    const columns = [...new Set(table.flatMap((row) => Object.keys(row)))];
    return { columns, rows: table.slice(0, limit).map((row) => columns.map((c) => row[c])), total: table.length };
  }
  if ('columnNames' in table && typeof table.columnNames === 'function') {
    const columns = table.columnNames();
    const objects = table.objects({ limit }) as Record<string, unknown>[];
    const rows = objects.map((row) => columns.map((c) => row[c]));
    return { columns, rows, total: table.numRows() };
  }
  if ('columns' in table && Array.isArray(table.columns) && Array.isArray(table.values)) {
    const values = table.values;
    return { columns: table.columns.map(String), rows: values.slice(0, limit), total: values.length };
  }
  throw new EmbedlabError('tableHtml expects an arquero table, a danfo DataFrame or an array of row objects');
}

function formatCell(value: unknown, digits: number | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return digits === undefined || Number.isInteger(value) ? formatValue(value) : value.toFixed(digits);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function caption(rows: Rows, options: TableOptions): string {
  const parts: string[] = [];
  if (options.caption) parts.push(options.caption);
  if (rows.total > rows.rows.length) parts.push(`first ${rows.rows.length} of ${rows.total} rows`);
  return parts.join(' — ');
}

/** The table's first rows as printed cells, and its caption: what both renderings show. */
interface PrintedTable {
  columns: string[];
  cells: string[][];
  /** Per column: right-aligned (every value a number) or left-aligned (text). */
  numeric: boolean[];
  caption: string;
}

function printTable(table: TableLike, options: TableOptions): PrintedTable {
  const rows = toRows(table, options.limit ?? 20);
  const cells = rows.rows.map((row) => row.map((v) => formatCell(v, options.digits)));
  const numeric = rows.columns.map((_, i) =>
    rows.rows.every((row) => row[i] === null || row[i] === undefined || typeof row[i] === 'number'),
  );
  return { columns: rows.columns, cells, numeric, caption: caption(rows, options) };
}

/**
 * The HTML table. `tex2jax_ignore` keeps MathJax (Jupyter, nbconvert exports)
 * from reading `$…$` or `\(…\)` in the data as formulas; text is
 * left-aligned and wraps, numbers are right-aligned.
 */
function renderHtml({ columns, cells, numeric, caption: text }: PrintedTable): string {
  const align = (i: number) => (numeric[i] ? 'text-align:right;white-space:nowrap' : 'text-align:left;white-space:normal;max-width:48em');
  const head = columns.map((c, i) => `<th style="${align(i)}">${escapeHtml(c)}</th>`).join('');
  const body = cells
    .map((row) => `<tr>${row.map((v, i) => `<td style="${align(i)}">${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return (
    `<table class="embedlab-table tex2jax_ignore mathjax_ignore">${text ? `<caption>${escapeHtml(text)}</caption>` : ''}` +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`
  );
}

function renderText({ columns, cells, caption: text }: PrintedTable): string {
  const body = textTable(columns, cells);
  return text ? `${text}\n${body}` : body;
}

/**
 * An HTML `<table>` of the first rows.
 *
 * @example
 * tableHtml(aq.table({ dim: [768, 64], ndcg: [0.82, 0.79] }), { caption: 'NDCG@10' });
 */
export function tableHtml(table: TableLike, options: TableOptions = {}): string {
  return renderHtml(printTable(table, options));
}

/** The same table as fixed-width text. */
export function tableText(table: TableLike, options: TableOptions = {}): string {
  return renderText(printTable(table, options));
}

/** HTML + text bundle for a table (its rows are read once). */
export function tableBundle(table: TableLike, options: TableOptions = {}): MimeBundle {
  const printed = printTable(table, options);
  return { 'text/html': renderHtml(printed), 'text/plain': renderText(printed) };
}

/**
 * Shows a table in the running notebook cell (as text outside a notebook).
 *
 * @example
 * showTable(irMetricsTable(result).select('dim', 'ndcg@10'));
 */
export function showTable(table: TableLike, options: TableOptions = {}): void {
  displayBundle(tableBundle(table, options));
}
