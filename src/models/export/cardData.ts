/**
 * What a model card says about a model, gathered while it is used — the
 * counterpart of sentence-transformers' `SentenceTransformerModelCardData`.
 * Loading fills the lineage (base model, language, license), `finetune`
 * fills the training details (datasets, loss, hyper-parameters, logs,
 * widget examples), and every evaluator run stores its latest results; the
 * card written by `model.save` is rendered from it.
 *
 * @example
 * const model = await loadModel('BAAI/bge-base-en-v1.5');
 * model.cardData.license = 'apache-2.0';
 * model.cardData.trainDatasets = [{ name: 'financial-rag', id: 'philschmid/finanical-rag-embedding-dataset' }];
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isHubRepoId } from '../../hub/repoId';

/** One training or evaluation dataset, as the card's "Training Details" shows it. */
export interface CardDataset {
  /** Display name, e.g. the hub id or the file name. */
  name?: string;
  /** Hugging Face dataset id, when the data came from the Hub. */
  id?: string;
  /** Hub commit of the data. */
  revision?: string;
  /** Rows used. */
  size?: number;
  /** Column names, in order. */
  columns?: string[];
  /** Per column: `{ dtype, data: { min, mean, max } }` over the first 1,000 rows. */
  stats?: Record<string, { dtype: string; data: Record<string, string> }>;
  /** The first three rows. */
  examples?: Record<string, string | number>[];
  /** The loss trained on this dataset and its settings. */
  loss?: { name: string; config: Record<string, unknown> };
}

/** The latest results of one evaluator (one Matryoshka dim is one evaluator, as in the reference workflow). */
export interface CardEvaluation {
  /** `sentence_transformers.evaluation.InformationRetrievalEvaluator`. */
  className: string;
  /** "Information Retrieval". */
  description: string;
  /** The evaluator's name, e.g. `dim_768` (the prefix of its metric keys). */
  name: string;
  /** Metrics without the name prefix, e.g. `cosine_ndcg@10`. */
  metrics: Record<string, number>;
  /** Key of `metrics` that is the primary metric. */
  primaryMetric?: string;
  /** Non-default settings (`truncate_dim`, `query_prompt`, …). */
  config: Record<string, unknown>;
}

/** One row of the training log: `Epoch`, `Step`, `Training Loss`, then evaluator metrics. */
export type TrainingLogRow = Record<string, number | string>;

/** An example for the Hub's sentence-similarity widget. */
export interface WidgetExample {
  source_sentence: string;
  sentences: string[];
}

export class ModelCardData {
  /** Language codes, e.g. `['en']`. */
  language: string[] = [];
  /** SPDX-style license id, e.g. `apache-2.0`. */
  license?: string;
  /** Card title; default "SentenceTransformer based on <base model>". */
  modelName?: string;
  /** The Hub id the model is pushed to, used in the usage snippets. */
  modelId?: string;
  /** Hub id of the model this one was trained from. */
  baseModel?: string;
  trainDatasets: CardDataset[] = [];
  evalDatasets: CardDataset[] = [];
  tags: string[] = ['sentence-transformers', 'sentence-similarity', 'feature-extraction', 'dense'];
  widget: WidgetExample[] = [];
  /** The texts of the usage snippet: a query, then documents. */
  predictExample?: string[];
  trainingLogs: TrainingLogRow[] = [];
  /** Step whose checkpoint was kept (bold in the training logs). */
  bestModelStep?: number;
  /** Latest results, by evaluator name. */
  evaluations = new Map<string, CardEvaluation>();
  /** Every training setting, under the Hugging Face TrainingArguments names. */
  allHyperparameters: Record<string, unknown> = {};
  /** Those that differ from the TrainingArguments defaults. */
  nonDefaultHyperparameters: Record<string, unknown> = {};
  /** Class names of the losses used, outermost first. */
  losses: string[] = [];
  /** Whether the model is for retrieval (queries vs documents): the usage snippet then uses encode_query / encode_document. */
  irModel?: boolean;

  addTags(...tags: string[]): void {
    for (const tag of tags) if (!this.tags.includes(tag)) this.tags.push(tag);
  }

  /** Adds languages not yet listed. */
  addLanguages(languages: unknown): void {
    const list = typeof languages === 'string' ? [languages] : Array.isArray(languages) ? languages : [];
    for (const lang of list) if (typeof lang === 'string' && lang && !this.language.includes(lang)) this.language.push(lang);
  }

  /** Hub ids of the datasets, for the `datasets` front-matter field. */
  get datasetIds(): string[] {
    return [...new Set([...this.trainDatasets, ...this.evalDatasets].flatMap((d) => (d.id ? [d.id] : [])))];
  }

  /** Keeps the latest results of an evaluator. */
  setEvaluation(evaluation: CardEvaluation): void {
    this.evaluations.set(evaluation.name, evaluation);
  }
}

/** The YAML front matter of a README.md model or dataset card, or `{}`. */
export function readCardFrontMatter(dir: string): Record<string, unknown> {
  const path = join(dir, 'README.md');
  if (!existsSync(path)) return {};
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(readFileSync(path, 'utf8'));
  if (!match) return {};
  try {
    const parsed = parseYaml(match[1]!) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    // a card whose metadata does not parse tells us nothing; it never stops a model from loading
    return {};
  }
}

/**
 * The Hub id a model folder holds, where it can be known: the source id when
 * it was downloaded, a Hugging Face cache snapshot's repo, or a hub-shaped
 * `_name_or_path` in its config.json (what transformers records on save).
 */
export function modelIdOfFolder(dir: string, config?: Record<string, unknown>): string | undefined {
  const parts = resolve(dir).split(sep);
  const snapshots = parts.lastIndexOf('snapshots');
  const repoFolder = snapshots > 0 ? parts[snapshots - 1]! : '';
  const cached = /^models--(.+)$/.exec(repoFolder);
  if (cached) {
    const id = cached[1]!.split('--').join('/');
    if (isHubRepoId(id)) return id;
  }
  const name = config?.['_name_or_path'];
  if (typeof name === 'string' && name.includes('/') && isHubRepoId(name) && !existsSync(name)) return name;
  return undefined;
}

/** Card data of a model read from `dir` (`source`: the hub id it was downloaded as). */
export function cardDataForFolder(dir: string, source: string | undefined, config?: Record<string, unknown>): ModelCardData {
  const data = new ModelCardData();
  const front = readCardFrontMatter(dir);
  data.baseModel = source ?? modelIdOfFolder(dir, config);
  if (typeof front.license === 'string') data.license = front.license;
  data.addLanguages(front.language);
  return data;
}

/** What a dataset's card tells about it: name, id, language and license. */
export function datasetCardInfo(source: string, folder: string | undefined, hubId: string | undefined): { dataset: CardDataset; language: string[]; license?: string } {
  const front = folder ? readCardFrontMatter(folder) : {};
  const language = typeof front.language === 'string' ? [front.language] : Array.isArray(front.language) ? front.language.filter((l): l is string => typeof l === 'string') : [];
  const pretty = typeof front.pretty_name === 'string' ? front.pretty_name : undefined;
  return {
    dataset: { name: pretty ?? hubId ?? basename(source), ...(hubId && { id: hubId }) },
    language,
    ...(typeof front.license === 'string' && { license: front.license }),
  };
}
