export type { TrainingRow, IRSet } from './types';
export type { DataRecord } from './records';
export { parseJsonLines, readJsonLines } from './jsonLines';
export { parseJsonRecords, readJsonRecords } from './json';
export { parseCsv, readCsv, type CsvOptions } from './csv';
export { readParquet } from './parquet';
export { loadRecords, loadTable, readDataFile, recordsToTable, type LoadOptions, type LoadedRecords, type DataFormat } from './load';
export { toDanfo, fromDanfo, setDanfoLoader } from './danfo';
export {
  toTrainingRows,
  detectFormat,
  type ColumnMapping,
  type TrainingRowsOptions,
  type TrainingRowsResult,
  type NormalizeOptions,
  type NormalizeResult,
  type EmptyText,
  type TrainingFormat,
} from './rowFormats';
export { trainTestSplit, type SplitOptions } from './split';
export { dedupeRows, type DedupeOptions } from './dedupe';
export { addIds, buildIRSet, irSetFromObjects, type BuildIRSetOptions } from './irSet';
export { saveTrainingRows, saveTrainTest, type SaveRowsOptions } from './save';
export { loadBeir, readBeirTexts, readQrels, buildIRSetFromQrels, irSetToTrainingRows, type Qrels, type QrelsReport, type BeirFiles } from './beir';
export { writeEmbeddings, readEmbeddings, idsPathFor } from './embeddings';
