/** HTML tables for arquero tables, danfo DataFrames and arrays of row objects. */
import { EmbedlabError } from '../src/util/errors';
import { escapeHtml, textTable } from './html';
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
   * Decimals for non-integer numbers.
   * @default 4
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

function formatCell(value: unknown, digits: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(digits);
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
  caption: string;
}

function printTable(table: TableLike, options: TableOptions): PrintedTable {
  const digits = options.digits ?? 4;
  const rows = toRows(table, options.limit ?? 20);
  const cells = rows.rows.map((row) => row.map((v) => formatCell(v, digits)));
  return { columns: rows.columns, cells, caption: caption(rows, options) };
}

function renderHtml({ columns, cells, caption: text }: PrintedTable): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = cells.map((row) => `<tr>${row.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
  return (
    `<table class="embedlab-table">${text ? `<caption>${escapeHtml(text)}</caption>` : ''}` +
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
