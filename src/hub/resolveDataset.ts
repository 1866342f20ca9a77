import type { HubOptions } from './options';
import { resolveRepo } from './resolve';

/**
 * Resolves a dataset to a local folder: an existing folder as is, or a hub
 * dataset id downloaded into the Hugging Face cache
 * (`datasets--org--name/snapshots/<commit>`). Fetches the data files
 * (`*.json`, `*.jsonl`, `*.csv`, `*.tsv`, `*.parquet`) and README.md unless
 * `allowPatterns` says otherwise. Same environment variables as {@link resolveModel}.
 *
 * @example
 * import { resolveDataset } from 'embedlab';
 * const folder = await resolveDataset('philschmid/finanical-rag-embedding-dataset');
 * // folder/data/train-00000-of-00001.parquet …
 */
export async function resolveDataset(idOrPath: string, options: HubOptions = {}): Promise<string> {
  return resolveRepo(idOrPath, 'dataset', options);
}
