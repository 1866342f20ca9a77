import { parseArgs } from 'node:util';
import { buildIRSetFromQrels, readBeirTexts, readQrels } from '../../data/beir';
import { readEmbeddings } from '../../data/embeddings';
import type { IRSet } from '../../data/types';
import { InformationRetrievalEvaluator, evaluateEmbeddings, type InformationRetrievalOptions, type IRResult } from '../../eval';
import { loadModel } from '../../models';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import type { Command } from '../command';
import { dimsOption, intOption } from '../options';

const HELP = `usage: embedlab evaluate (--model M | --query-embeddings q.npy --corpus-embeddings c.npy)
                         --queries queries.jsonl --corpus corpus.jsonl --qrels qrels.(tsv|json)
                         [--dims 768,512,256,128,64] [--output metrics.json]

Information-retrieval evaluation (accuracy/precision/recall@1,3,5,10, MRR@10,
NDCG@10, MAP@100) with sentence-transformers' semantics, at each Matryoshka
dim from one full-width encoding.

  --model M                 model folder or Hugging Face id: encodes queries and corpus
  --query-embeddings q.npy  precomputed float32 (rows × dim) with q.ids beside it
  --corpus-embeddings c.npy (one id per line, the NeMo layout); --queries/--corpus
                            are then optional and only cross-check the ids
  --queries FILE            BEIR queries.jsonl ({"_id", "text"}; any data file with _id/id + text)
  --corpus FILE             BEIR corpus.jsonl ({"_id", "title", "text"})
  --qrels FILE              BEIR qrels .tsv (query-id, corpus-id, score) or .json
                            ({qid: {docid: score}} or {qid: [docid, ...]}); score > 0 = relevant
  --dims LIST               Matryoshka dims, e.g. 768,512,256,128,64 (default: full width)
  --similarity cosine|dot   default cosine
  --output FILE             write the metrics as JSON (atomically)
  --batch-size N            encoding batch size (default 32)
  --query-prompt TEXT       prepended to each query when encoding (e.g. "query: ")
  --corpus-prompt TEXT      prepended to each document when encoding
  --corpus-chunk-size N     documents scored at once (default 50000)
  --engine auto|onnx|tf|js  scoring engine (default auto)
  --json                    print the metrics JSON instead of a table

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

export function formatMetricsTable(result: IRResult): string {
  const names = Object.keys(result.runs[0]?.metrics ?? {});
  const header = ['dim', ...names];
  const rows = result.runs.map((run) => [String(run.dim), ...names.map((n) => run.metrics[n]!.toFixed(4))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export const command: Command = {
  summary: 'retrieval metrics (NDCG@10, MRR@10, MAP@100, …) per Matryoshka dim',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        'query-embeddings': { type: 'string' },
        'corpus-embeddings': { type: 'string' },
        queries: { type: 'string' },
        corpus: { type: 'string' },
        qrels: { type: 'string' },
        dims: { type: 'string' },
        similarity: { type: 'string' },
        output: { type: 'string' },
        'batch-size': { type: 'string' },
        'query-prompt': { type: 'string' },
        'corpus-prompt': { type: 'string' },
        'corpus-chunk-size': { type: 'string' },
        engine: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const precomputed = values['query-embeddings'] !== undefined || values['corpus-embeddings'] !== undefined;
    if (values.model && precomputed) throw new EmbedlabError('pass either --model or --query-embeddings/--corpus-embeddings, not both');
    if (!values.model && !precomputed) throw new EmbedlabError('pass --model M, or --query-embeddings q.npy and --corpus-embeddings c.npy');
    if (precomputed && (!values['query-embeddings'] || !values['corpus-embeddings'])) {
      throw new EmbedlabError('precomputed evaluation needs both --query-embeddings and --corpus-embeddings');
    }
    if (!values.qrels) throw new EmbedlabError('--qrels is required (BEIR .tsv or .json)');
    if (values.model && (!values.queries || !values.corpus)) throw new EmbedlabError('--model needs --queries and --corpus');

    const options: InformationRetrievalOptions = {
      dims: dimsOption(values.dims, '--dims'),
      similarity: values.similarity as InformationRetrievalOptions['similarity'],
      batchSize: intOption(values['batch-size'], '--batch-size', { min: 1 }),
      queryPrompt: values['query-prompt'],
      corpusPrompt: values['corpus-prompt'],
      corpusChunkSize: intOption(values['corpus-chunk-size'], '--corpus-chunk-size', { min: 1 }),
      engine: values.engine as InformationRetrievalOptions['engine'],
    };
    const qrels = readQrels(values.qrels);
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
      const model = await loadModel(values.model!);
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
