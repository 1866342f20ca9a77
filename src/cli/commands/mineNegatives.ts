import { loadRecords } from '../../data/load';
import { detectFormat, toTrainingRows } from '../../data/rowFormats';
import { columnsOf, type DataRecord } from '../../data/records';
import { saveTrainingRows } from '../../data/save';
import { exportEmbeddings } from '../../mining/exportEmbeddings';
import { readCandidatePool } from '../../mining/candidatePool';
import { mineHardNegatives, miningCorpus, type MiningQuery } from '../../mining/mine';
import { loadModel } from '../../models';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import type { Command } from '../command';
import { checkOutput } from '../../util/outputs';
import { startBackend } from '../backendLine';
import { defineFlags, flagHelp, parseFlags } from '../flags';

const FLAGS = defineFlags('mine-negatives', {
  required: ['model', 'input', 'output'],
  optional: [
    'range', 'negative-number', 'candidate-pool', 'seed', 'columns', 'query-prompt', 'batch-size', 'max-seq-length',
    'no-fill', 'format', 'save-embeddings', 'overwrite', 'backend',
  ],
  help: {
    input: 'training data in any supported format (FlagEmbedding query/pos/neg, sentence-transformers anchor/positive, NeMo, question/context, …); .jsonl, .json, .csv, .parquet',
    output: 'mined data as JSON Lines (written atomically)',
    'query-prompt': 'instruction prepended to queries when encoding',
    'batch-size': 'encoding batch size (default 32)',
    format: 'output layout: flag = FlagEmbedding {query, pos, neg}, st = sentence-transformers {anchor, positive, negative_1..n} (default: flag for FlagEmbedding input, else st)',
    overwrite: 'replace an existing --output file / write into an existing --save-embeddings folder (never the input)',
  },
});

const HELP = `usage: embedlab mine-negatives --model M --input train.jsonl --output out.jsonl
                               [--range 2-200] [--negative-number 15] [--candidate-pool pool.jsonl] [--seed 42] [options]

Hard-negative mining like FlagEmbedding's hn_mine: embeds the corpus (the
candidate pool, else every positive and negative of the input), retrieves the
top hits of each query and samples --negative-number negatives from the ranks
in --range, never a positive or the query itself.

${flagHelp(FLAGS)}`;

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
    const values = parseFlags(argv, FLAGS);
    const range = values.range ?? '2-200';
    const negativeNumber = values['negative-number'] ?? 15;
    const seed = values.seed ?? 42;
    const batchSize = values['batch-size'] ?? 32;
    const maxSeqLength = values['max-seq-length'];
    const reads = [
      { name: '--input', path: values.input },
      { name: '--model', path: values.model },
      { name: '--candidate-pool', path: values['candidate-pool'] },
    ];
    checkOutput({ path: values.output, kind: 'file', name: '--output', reads, overwrite: values.overwrite });
    if (values['save-embeddings'] !== undefined) {
      checkOutput({ path: values['save-embeddings'], kind: 'folder', name: '--save-embeddings', reads, overwrite: values.overwrite });
    }

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
      const { rows } = toTrainingRows(records, { source: values.input, columns: values.columns, onWarning: (m) => console.error(`embedlab mine-negatives: ${m}`) });
      queries = rows.map((r) => ({ query: r.anchor, positives: [r.positive], negatives: r.negatives }));
      flagRecords = rows.map((r) => ({ ...(r.id !== undefined && { id: r.id }) }));
    }
    const candidatePool = values['candidate-pool'] ? readCandidatePool(values['candidate-pool']) : undefined;

    await startBackend(values.backend);
    const model = await loadModel(values.model, maxSeqLength !== undefined ? { maxSeqLength } : {});
    try {
      const mined = await mineHardNegatives(queries, { model }, {
        rangeForSampling: range,
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
        await saveTrainingRows(values.output, rows, { layout: format === 'flag' ? 'flag-embedding' : 'sentence-transformers', overwrite: values.overwrite });
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
          { queryPrompt: values['query-prompt'], batchSize, overwrite: values.overwrite },
        );
      }
      const short = mined.filter((m) => m.ranks.filter((r) => r > 0).length < negativeNumber).length;
      console.log(
        `mined ${negativeNumber} negatives for ${mined.length} queries from ranks ${range} ` +
          `(${short} queries had fewer in range${values['no-fill'] ? '' : ' and were filled with random texts'}) → ${values.output}`,
      );
    } finally {
      model.dispose();
    }
  },
};
