/**
 * What the workflow and the CLI share when a run is meant to be published:
 * query/document prompts (literal or by the model's prompt names), the
 * card's license, language and datasets, and the Hub repo to push to.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { checkPushRepoId } from '../hub/push';
import { findToken } from '../hub/token';
import { datasetCardInfo } from '../models/export/cardData';
import type { SentenceEmbedder } from '../models/types';
import { EmbedlabError } from '../util/errors';

/** Prompts for retrieval training: the query's goes before anchors and queries, the document's before positives, negatives and the corpus. */
export interface PromptOptions {
  /** Literal text before every query, e.g. `"query: "` (e5) or bge's instruction. */
  queryPrompt?: string;
  /** Literal text before every document, e.g. `"passage: "`. */
  documentPrompt?: string;
  /** Name of one of the model's prompts (config_sentence_transformers.json) to use for queries. */
  queryPromptName?: string;
  /** Name of one of the model's prompts to use for documents. */
  documentPromptName?: string;
}

/** Model-card fields a run cannot know by itself, and where to publish. */
export interface ShareOptions {
  /** License id for the card, e.g. `apache-2.0`. Default: the base model's license, from its card. */
  license?: string;
  /** Language codes for the card. Default: the base model's and the dataset's, from their cards. */
  language?: string[];
  /** Push the fine-tuned model to this Hub repo (`owner/name`) when the run ends. */
  pushToHub?: string;
  /** Create that repo private. @default false */
  private?: boolean;
}

/** The resolved prompts: literal texts, or undefined for none. */
export interface ResolvedPrompts {
  query?: string;
  document?: string;
}

/** Checks prompt options before any work; names are checked against the model in {@link resolvePrompts}. */
export function checkPromptOptions(options: PromptOptions): void {
  for (const side of ['query', 'document'] as const) {
    const text = options[`${side}Prompt`];
    const name = options[`${side}PromptName`];
    if (text !== undefined && name !== undefined) throw new EmbedlabError(`give a ${side} prompt or a ${side} prompt name, not both`);
    if (text !== undefined && (typeof text !== 'string' || text.length === 0)) throw new EmbedlabError(`the ${side} prompt is empty`);
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) throw new EmbedlabError(`the ${side} prompt name is empty`);
  }
}

/** Literal prompts from the options, prompt names looked up in the model's prompts. */
export function resolvePrompts(model: SentenceEmbedder, options: PromptOptions): ResolvedPrompts {
  checkPromptOptions(options);
  const known = (model as { prompts?: Record<string, string> }).prompts ?? {};
  const lookup = (name: string, side: string) => {
    const prompt = known[name];
    if (prompt === undefined) {
      throw new EmbedlabError(`${side} prompt name "${name}" is not one of the model's prompts (${Object.keys(known).join(', ') || 'it has none'})`);
    }
    return prompt;
  };
  const query = options.queryPrompt ?? (options.queryPromptName !== undefined ? lookup(options.queryPromptName, 'query') : undefined);
  const document = options.documentPrompt ?? (options.documentPromptName !== undefined ? lookup(options.documentPromptName, 'document') : undefined);
  return { ...(query && { query }), ...(document && { document }) };
}

/** The training `prompts` option for these prompts: anchors get the query's, positives and negatives the document's. */
export function trainingPrompts(prompts: ResolvedPrompts): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (prompts.query) out['anchor'] = prompts.query;
  if (prompts.document) Object.assign(out, { positive: prompts.document, negative: prompts.document });
  return Object.keys(out).length ? out : undefined;
}

/** The evaluator's prompt options for these prompts. */
export function evaluatorPrompts(prompts: ResolvedPrompts): { queryPrompt?: string; corpusPrompt?: string } {
  return { ...(prompts.query && { queryPrompt: prompts.query }), ...(prompts.document && { corpusPrompt: prompts.document }) };
}

const LICENSE = /^[a-z0-9][a-z0-9.+-]*$/;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** Checks license, language and the push target before any work — including that a token to push with exists. */
export function checkShareOptions(options: ShareOptions): void {
  if (options.license !== undefined && !LICENSE.test(options.license)) {
    throw new EmbedlabError(`license "${options.license}" is not a license id (lower-case, e.g. apache-2.0, mit, cc-by-4.0)`);
  }
  for (const lang of options.language ?? []) {
    if (!LANGUAGE.test(lang)) throw new EmbedlabError(`language "${lang}" is not a language code (e.g. en, de, zh-Hans)`);
  }
  if (options.private && !options.pushToHub) throw new EmbedlabError('private applies to a push: give the repo to push to');
  if (options.pushToHub !== undefined) {
    checkPushRepoId(options.pushToHub);
    const token = findToken();
    if (!token) throw new EmbedlabError('pushing needs a Hugging Face access token with write access: set HF_TOKEN (or log in with `huggingface-cli login`)');
    if (!token.startsWith('hf_')) throw new EmbedlabError('the Hugging Face access token (HF_TOKEN) is malformed: tokens start with "hf_"');
  }
}

/** The folder that holds a dataset's card: a hub snapshot's root, the folder given, or the data file's folder. */
function datasetFolder(source: string, files: string[]): string | undefined {
  const first = files[0];
  if (first) {
    const parts = first.split(sep);
    const at = parts.lastIndexOf('snapshots');
    if (at > 0 && parts.length > at + 1) return parts.slice(0, at + 2).join(sep);
  }
  if (existsSync(source)) return statSync(source).isDirectory() ? source : dirname(source);
  return first ? dirname(first) : undefined;
}

/**
 * Fills the model's card data for a run on `source` (a path or hub dataset
 * id, read from `files`): the dataset's name and id, languages from its card
 * and the options, the license, and the Hub id the model will have.
 */
export function describeRunInCard(model: SentenceEmbedder, source: string, files: string[], options: ShareOptions & { datasetName?: string }): void {
  const card = model.cardData;
  if (!card) return;
  const hubId = !existsSync(source) ? source : undefined;
  const { dataset, language } = datasetCardInfo(source, datasetFolder(source, files), hubId);
  if (options.datasetName) dataset.name = options.datasetName;
  card.trainDatasets = [dataset];
  if (options.language?.length) card.language = [...options.language];
  else card.addLanguages(language);
  if (options.license) card.license = options.license;
  if (options.pushToHub) card.modelId = options.pushToHub;
}
