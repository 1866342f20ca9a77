/** Several charts and tables in one standalone, offline HTML page (the demo's report.html). */
import { writeFileAtomic } from '../src/util/fs';
import { checkOutput } from '../src/util/outputs';
import { standalonePage, type Chart } from './chart';
import { escapeHtml } from './html';
import { tableHtml, type TableLike, type TableOptions } from './tables';

/** One part of a report; every field is optional and they render in this order. */
export interface ReportSection {
  heading?: string;
  /** Plain text; blank lines separate paragraphs. */
  text?: string;
  chart?: Chart;
  table?: TableLike;
  tableOptions?: TableOptions;
  /** Trusted HTML, inserted as is. */
  html?: string;
}

/** A page for {@link renderReport}: a title, an optional intro, then the sections. */
export interface Report {
  title: string;
  /** Plain text under the title. */
  intro?: string;
  sections: ReportSection[];
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}

/**
 * A complete HTML page holding every section, with plotly.js inlined once.
 *
 * @example
 * const html = renderReport({
 *   title: 'Fine-tuning report',
 *   sections: [
 *     { heading: 'NDCG@10 by dimension', chart: metricByDimensionChart({ baseline, 'fine-tuned': tuned }) },
 *     { heading: 'Comparison', chart: comparisonTable(baseline, tuned) },
 *   ],
 * });
 */
export function renderReport(report: Report): string {
  const body = [`<h1>${escapeHtml(report.title)}</h1>`];
  if (report.intro) body.push(paragraphs(report.intro));
  for (const section of report.sections) {
    body.push('<section>');
    if (section.heading) body.push(`<h2>${escapeHtml(section.heading)}</h2>`);
    if (section.text) body.push(paragraphs(section.text));
    if (section.chart) body.push(section.chart.toHtml());
    if (section.table) body.push(tableHtml(section.table, section.tableOptions));
    if (section.html) body.push(section.html);
    body.push('</section>');
  }
  const hasCharts = report.sections.some((s) => s.chart);
  return standalonePage(report.title, body.join('\n'), { includePlotly: hasCharts });
}

/**
 * Writes {@link renderReport} to `path` atomically; returns the path. An existing file is
 * replaced only when embedlab wrote it, or with `overwrite`.
 *
 * @example
 * await saveReport('report.html', { title: 'Fine-tuning', sections: [{ heading: 'NDCG@10', chart: metricByDimensionChart(runs) }] });
 */
export async function saveReport(path: string, report: Report, options: { overwrite?: boolean } = {}): Promise<string> {
  checkOutput({ path, kind: 'file', name: 'saveReport(path)', overwrite: options.overwrite, overwriteHint: '{ overwrite: true }' });
  await writeFileAtomic(path, renderReport(report));
  return path;
}
