import { EmbedlabError } from '../util/errors';
import type { DataRecord } from './records';

/**
 * Reads every row of a Parquet file (all common codecs: snappy, gzip, zstd,
 * brotli, lz4). 64-bit integers become numbers when they fit exactly, else
 * stay BigInt.
 *
 * @example
 * const rows = await readParquet('train-00000-of-00001.parquet');
 */
export async function readParquet(path: string): Promise<DataRecord[]> {
  // loaded on first use: the reader and its codecs are not needed to import embedlab
  const { asyncBufferFromFile, parquetReadObjects } = require('hyparquet') as typeof import('hyparquet');
  const { compressors } = require('hyparquet-compressors') as typeof import('hyparquet-compressors');
  let records: DataRecord[];
  try {
    const file = await asyncBufferFromFile(path);
    records = (await parquetReadObjects({ file, compressors })) as DataRecord[];
  } catch (error) {
    throw new EmbedlabError(`cannot read Parquet file ${path}: ${(error as Error).message}`, { cause: error });
  }
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) {
        record[key] = Number(value);
      }
    }
  }
  return records;
}
