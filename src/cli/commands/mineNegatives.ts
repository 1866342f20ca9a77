import { parseArgs } from 'node:util';
import { loadRecords } from '../../data/load';
import { detectFormat, toTrainingRows } from '../../data/rowFormats';
import { columnsOf, type DataRecord } from '../../data/records';
import { saveTrainingRows } from '../../data/save';
import { exportEmbeddings } from '../../mining/exportEmbeddings';
import { readCandidatePool } from '../../mining/candidatePool';
import { mineHardNegatives, miningCorpus, type MiningQuery } from '../../mining/mine';
import { parseSamplingRange } from '../../mining/range';
import { loadModel } from '../../models';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import type { Command } from '../command';
import { columnsOption, intOption } from '../options';

const HELP = `usage: embedlab mine-negatives --model M --input train.jsonl --output out.jsonl
                               [--range 2-200] [--negative-number 15] [--candidate-pool pool.jsonl] [--seed 42]

Hard-negative mining like FlagEmbedding's hn_mine: embeds the corpus (the
candidate pool, else every positive and negative of the input), retrieves the
top hits of each query and samples --negative-number negatives from the ranks
in --range, never a positive or the query itself.

  --model M               model folder or Hugging Face id
  --input FILE            training data in any supported format (FlagEmbedding
                          query/pos/neg, sentence-transformers anchor/positive, NeMo,
                          question/context, …); .jsonl, .json, .csv, .parquet
  --output FILE           mined data as JSON Lines (written atomically)
  --range A-B             slice of the ranking to sample from, 0-based as in
                          hn_mine: 2-200 = ranks 3..200 (default 2-200)
  --negative-number N     negatives per query (default 15)
  --candidate-pool FILE   JSON Lines of {"text": ...} to mine from
  --seed N                sampling seed (default 42)
  --columns MAP           column names when they are not detected, e.g. anchor=title,positive=body
  --query-prompt TEXT     instruction prepended to queries when encoding
  --batch-size N          encoding batch size (default 32)
  --no-fill               do not fill up with random texts when a range has too few
  --format flag|st        output layout: FlagEmbedding {query, pos, neg} or
                          sentence-transformers {anchor, positive, negative_1..n}
                          (default: flag for FlagEmbedding input, else st)
  --save-embeddings DIR   also write DIR/queries.{npy,ids} and DIR/docs.{npy,ids} (NeMo layout)`;

function textList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) => {
    if (typeof v !== 'string') throw new EmbedlabError(`${where}[${i}]: expected text, got ${JSON.stringify(v)}`);
    return v;
  });
}

export const command: Command = {
  summary: 'mine hard negatives for training data (FlagEmbedding hn_mine style)',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        range: { type: 'string', default: '2-200' },
        'negative-number': { type: 'string' },
        'candidate-pool': { type: 'string' },
        seed: { type: 'string' },
        columns: { type: 'string' },
        'query-prompt': { type: 'string' },
        'batch-size': { type: 'string' },
        'no-fill': { type: 'boolean', default: false },
        format: { type: 'string' },
        'save-embeddings': { type: 'string' },
      },
    });
    if (!values.model) throw new EmbedlabError('--model is required');
    if (!values.input) throw new EmbedlabError('--input is required');
    if (!values.output) throw new EmbedlabError('--output is required');
    if (values.format !== undefined && !['flag', 'st'].includes(values.format)) {
      throw new EmbedlabError(`--format must be "flag" or "st", got "${values.format}"`);
    }
    parseSamplingRange(values.range); // fail before loading anything
    const negativeNumber = intOption(values['negative-number'], '--negative-number', { min: 0 }) ?? 15;
    const seed = intOption(values.seed, '--seed', { min: 0 }) ?? 42;
    const batchSize = intOption(values['batch-size'], '--batch-size', { min: 1 }) ?? 32;

    const { records } = await loadRecords(values.input);
    const flagInput = detectFormat(columnsOf(records)) === 'flag-embedding';
    let queries: MiningQuery[];
    let flagRecords: DataRecord[] = [];
    if (flagInput) {
      flagRecords = records.filter((r, i) => {
        const ok = typeof r['query'] === 'string' && r['query'].trim() !== '' && textList(r['pos'], `${values.input} row ${i + 1}, field "pos"`).length > 0;
        if (!ok) console.error(`embedlab mine-negatives: ${values.input} row ${i + 1}: empty query or no positive; skipped`);
        return ok;
      });
      queries = flagRecords.map((r, i) => ({
        query: r['query'] as string,
        positives: textList(r['pos'], `${values.input} row ${i + 1}, field "pos"`),
        negatives: textList(r['neg'], `${values.input} row ${i + 1}, field "neg"`),
      }));
    } else {
      const { rows } = toTrainingRows(records, { source: values.input, columns: columnsOption(values.columns, '--columns'), onWarning: (m) => console.error(`embedlab mine-negatives: ${m}`) });
      queries = rows.map((r) => ({ query: r.anchor, positives: [r.positive], negatives: r.negatives }));
      flagRecords = rows.map((r) => ({ ...(r.id !== undefined && { id: r.id }) }));
    }
    const candidatePool = values['candidate-pool'] ? readCandidatePool(values['candidate-pool']) : undefined;

    const model = await loadModel(values.model);
    try {
      const mined = await mineHardNegatives(queries, { model }, {
        rangeForSampling: values.range,
        negativeNumber,
        seed,
        candidatePool,
        fillRandom: !values['no-fill'],
        queryPrompt: values['query-prompt'],
        batchSize,
      });
      const format = values.format ?? (flagInput ? 'flag' : 'st');
      if (format === 'flag' && flagInput) {
        // keep every field of the input line; the mined negatives replace `neg`, stale `neg_scores` go
        const lines = mined.map((m, i) => {
          const { neg_scores: _stale, ...rest } = flagRecords[i]!;
          return JSON.stringify({ ...rest, neg: m.negatives });
        });
        await writeFileAtomic(values.output, lines.join('\n') + '\n');
      } else {
        const rows = mined.map((m, i) => {
          const id = flagRecords[i]!['id'];
          return { anchor: m.query, positive: m.positives[0]!, negatives: m.negatives, ...(id !== undefined && { id: String(id) }) };
        });
        await saveTrainingRows(values.output, rows, { layout: format === 'flag' ? 'flag-embedding' : 'sentence-transformers' });
      }
      if (values['save-embeddings']) {
        const corpus = miningCorpus(queries, candidatePool);
        await exportEmbeddings(
          model,
          {
            queries: new Map(queries.map((q, i) => [String(i), q.query])),
            docs: new Map(corpus.map((t, i) => [String(i), t])),
          },
          values['save-embeddings'],
          { queryPrompt: values['query-prompt'], batchSize },
        );
      }
      const short = mined.filter((m) => m.ranks.filter((r) => r > 0).length < negativeNumber).length;
      console.log(
        `mined ${negativeNumber} negatives for ${mined.length} queries from ranks ${values.range} ` +
          `(${short} queries had fewer in range${values['no-fill'] ? '' : ' and were filled with random texts'}) → ${values.output}`,
      );
    } finally {
      model.dispose();
    }
  },
};
