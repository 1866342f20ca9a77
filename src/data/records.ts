/** One row of a loaded file: column name → value, as the file gave it. */
export type DataRecord = Record<string, unknown>;

/** Column names in first-seen order over all records. */
export function columnsOf(records: readonly DataRecord[]): string[] {
  const seen = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) seen.add(key);
  return [...seen];
}
