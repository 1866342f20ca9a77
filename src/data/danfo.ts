import * as aq from 'arquero';
import { EmbedlabError } from '../util/errors';

/** The few danfo.js members these conversions use. */
interface DanfoModule {
  DataFrame: new (data: Record<string, unknown[]>) => DanfoFrame;
}
interface DanfoFrame {
  columns: string[];
  column(name: string): { values: unknown[] };
}

const requireDanfo = (): DanfoModule => {
  try {
    return require('danfojs-node') as DanfoModule;
  } catch (error) {
    throw new EmbedlabError(
      'danfo.js interop needs the optional package "danfojs-node": npm install danfojs-node ' +
        '(it depends on @tensorflow/tfjs-node, which downloads libtensorflow when it installs)',
      { cause: error },
    );
  }
};

let loader = requireDanfo;

/**
 * Replaces how danfojs-node is loaded (for environments that bundle it
 * differently); no argument restores `require('danfojs-node')`.
 */
export function setDanfoLoader(load: () => DanfoModule = requireDanfo): void {
  loader = load;
}

/**
 * An arquero table as a danfo.js DataFrame (column by column). `danfojs-node`
 * is loaded on first use; without it this throws an error saying how to install it.
 *
 * @example
 * const df = toDanfo(await loadTable('train.csv'));
 * df.head().print();
 */
export function toDanfo(table: aq.ColumnTable): DanfoFrame {
  const danfo = loader();
  const columns: Record<string, unknown[]> = {};
  for (const name of table.columnNames()) columns[name] = table.array(name) as unknown[];
  return new danfo.DataFrame(columns);
}

/**
 * A danfo.js DataFrame as an arquero table.
 *
 * @example
 * const { rows } = toTrainingRows(fromDanfo(frame).objects());
 */
export function fromDanfo(frame: DanfoFrame): aq.ColumnTable {
  loader(); // same clear error when danfo is missing
  const columns: Record<string, unknown[]> = {};
  for (const name of frame.columns) columns[name] = [...frame.column(name).values];
  return aq.table(columns);
}
