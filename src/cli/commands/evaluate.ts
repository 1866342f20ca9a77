import { buildIRSetFromQrels, readBeirTexts, readQrels } from '../../data/beir';
import { readEmbeddings } from '../../data/embeddings';
import type { IRSet } from '../../data/types';
import { InformationRetrievalEvaluator, evaluateEmbeddings, type InformationRetrievalOptions, type IRResult } from '../../eval';
import { loadModel } from '../../models';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import type { Command } from '../command';
import { irMetricsTable } from '../../eval/table';
import { checkOutput } from '../../util/outputs';
import { startBackend } from '../backendLine';
import { defineFlags, flagHelp, parseFlags } from '../flags';

const FLAGS = defineFlags('evaluate', {
  required: ['qrels'],
  optional: [
    'model', 'query-embeddings', 'corpus-embeddings', 'queries', 'corpus', 'dims', 'similarity', 'output', 'overwrite',
    'batch-size', 'max-seq-length', 'query-prompt', 'document-prompt', 'corpus-chunk-size', 'engine', 'json', 'backend',
  ],
  help: {
    model: 'model folder or Hugging Face id: encodes queries and corpus',
    'query-embeddings': 'precomputed float32 (rows × dim) with q.ids beside it (one id per line, the NeMo layout)',
    'corpus-embeddings': 'the same for the corpus; --queries/--corpus are then optional and only cross-check the ids',
    dims: 'Matryoshka dims, e.g. 768,512,256,128,64 (default: full width)',
    output: 'write the metrics as JSON (atomically)',
    overwrite: 'replace an existing --output file',
    'batch-size': 'encoding batch size (default 32)',
  },
});

const HELP = `usage: embedlab evaluate (--model M | --query-embeddings q.npy --corpus-embeddings c.npy)
                         --queries queries.jsonl --corpus corpus.jsonl --qrels qrels.(tsv|json)
                         [--dims 768,512,256,128,64] [--output metrics.json] [options]

Information-retrieval evaluation (accuracy/precision/recall@1,3,5,10, MRR@10,
NDCG@10, MAP@100) with sentence-transformers' semantics, at each Matryoshka
dim from one full-width encoding.

${flagHelp(FLAGS)}

Qrels that name unknown query or document ids are counted and reported; unknown
documents still count as relevant (they can never be retrieved), as upstream.`;

/** Ids from the .ids file, checked against a queries/corpus file when one is given. */
async function idsInOrder(ids: string[], file: string | undefined, what: string, npy: string): Promise<Map<string, string>> {
  if (!file) return new Map(ids.map((id) => [id, '']));
  const texts = await readBeirTexts(file, { what, includeTitle: what === 'document' });
  const missing = ids.filter((id) => !texts.has(id));
  if (missing.length) {
    throw new EmbedlabError(`${missing.length} id(s) of ${npy} are not in ${file}, e.g. "${missing.slice(0, 3).join('", "')}"`);
  }
  const covered = new Set(ids);
  const extra = [...texts.keys()].filter((id) => !covered.has(id));
  if (extra.length) {
    throw new EmbedlabError(`${extra.length} ${what}(s) of ${file} have no embedding in ${npy}, e.g. "${extra.slice(0, 3).join('", "')}"`);
  }
  return new Map(ids.map((id) => [id, texts.get(id)!]));
}

/** The metrics of each dim as an aligned text table (the rows and columns of {@link irMetricsTable}). */
export function formatMetricsTable(result: IRResult): string {
  const table = irMetricsTable(result);
  const header = table.columnNames();
  const columns = header.map((name) => table.array(name) as unknown[]);
  const cells = table.objects().map((_, r) => columns.map((col, c) => (c === 0 ? String(col[r]) : (col[r] as number).toFixed(4))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

export const command: Command = {
  summary: 'retrieval metrics (NDCG@10, MRR@10, MAP@100, …) per Matryoshka dim',
  help: HELP,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    const precomputed = values['query-embeddings'] !== undefined || values['corpus-embeddings'] !== undefined;
    if (values.model && precomputed) throw new EmbedlabError('pass either --model or --query-embeddings/--corpus-embeddings, not both');
    if (!values.model && !precomputed) throw new EmbedlabError('pass --model M, or --query-embeddings q.npy and --corpus-embeddings c.npy');
    if (precomputed && (!values['query-embeddings'] || !values['corpus-embeddings'])) {
      throw new EmbedlabError('precomputed evaluation needs both --query-embeddings and --corpus-embeddings');
    }
    if (!values.qrels) throw new EmbedlabError('--qrels is required (BEIR .tsv or .json)');
    if (values.model && (!values.queries || !values.corpus)) throw new EmbedlabError('--model needs --queries and --corpus');
    if (values.output !== undefined) {
      const reads = (['model', 'queries', 'corpus', 'qrels', 'query-embeddings', 'corpus-embeddings'] as const).map((name) => ({ name: `--${name}`, path: values[name] }));
      checkOutput({ path: values.output, kind: 'file', name: '--output', reads, overwrite: values.overwrite });
    }

    const options: InformationRetrievalOptions = {
      dims: values.dims,
      similarity: values.similarity,
      batchSize: values['batch-size'],
      queryPrompt: values['query-prompt'],
      corpusPrompt: values['document-prompt'],
      corpusChunkSize: values['corpus-chunk-size'],
      engine: values.engine,
    };
    const qrels = readQrels(values.qrels);
    // started before the first tensor (the readers above make none): one backend for the whole run
    await startBackend(values.backend);
    const warn = (message: string) => console.error(`embedlab evaluate: ${message}`);
    let irSet: IRSet;
    let result: IRResult;
    if (precomputed) {
      const q = readEmbeddings(values['query-embeddings']!);
      const c = readEmbeddings(values['corpus-embeddings']!);
      if (q.embeddings.cols !== c.embeddings.cols) {
        throw new EmbedlabError(
          `${values['query-embeddings']} has width ${q.embeddings.cols} but ${values['corpus-embeddings']} has width ${c.embeddings.cols}`,
        );
      }
      const queries = await idsInOrder(q.ids, values.queries, 'query', values['query-embeddings']!);
      const corpus = await idsInOrder(c.ids, values.corpus, 'document', values['corpus-embeddings']!);
      irSet = buildIRSetFromQrels(queries, corpus, qrels, { source: values.qrels, onWarning: warn }).irSet;
      result = await evaluateEmbeddings(q.embeddings, c.embeddings, irSet, options);
    } else {
      const queries = await readBeirTexts(values.queries!, { what: 'query', includeTitle: false });
      const corpus = await readBeirTexts(values.corpus!, { what: 'document' });
      irSet = buildIRSetFromQrels(queries, corpus, qrels, { source: values.qrels, onWarning: warn }).irSet;
      const evaluator = new InformationRetrievalEvaluator(irSet, options);
      const maxSeqLength = values['max-seq-length'];
      const model = await loadModel(values.model!, maxSeqLength !== undefined ? { maxSeqLength } : {});
      try {
        result = await evaluator.evaluateDetailed(model);
      } finally {
        model.dispose();
      }
    }
    if (result.droppedQueryIds.length) {
      warn(`${result.droppedQueryIds.length} of ${irSet.queries.size} queries have no relevant document and were not evaluated`);
    }
    const json = JSON.stringify(result.metrics, null, 2) + '\n';
    if (values.output) await writeFileAtomic(values.output, json);
    const summary = `${result.evaluatedQueryIds.length} queries × ${irSet.corpus.size} documents, ${options.similarity ?? 'cosine'}`;
    console.log(values.json ? json.trimEnd() : `${summary}\n${formatMetricsTable(result)}`);
  },
};
