/**
 * Training prompts, as sentence-transformers' `prompts` training argument:
 * text prepended to the texts of a column before tokenising, one string for
 * every column or one per column name.
 */
import type { SentenceEmbedder } from '../models/types';
import type { TokenBatch } from '../tokenizer/types';
import { EmbedlabError } from '../util/errors';

/** The columns' names as sentence-transformers sees them: `anchor`, `positive`, then `negative` or `negative_1..n`. */
export function columnNames(negatives: number): string[] {
  const names = ['anchor', 'positive'];
  for (let k = 0; k < negatives; k++) names.push(negatives === 1 ? 'negative' : `negative_${k + 1}`);
  return names;
}

/**
 * The prompt of each column (`''` for none) from a training `prompts` option:
 * one string for every column, or prompts by column name, where `negative`
 * also covers every `negative_k` column.
 */
export function columnPrompts(prompts: string | Record<string, string> | undefined, negatives: number): string[] {
  const names = columnNames(negatives);
  if (prompts === undefined) return names.map(() => '');
  if (typeof prompts === 'string') return names.map(() => prompts);
  if (prompts === null || typeof prompts !== 'object' || Array.isArray(prompts)) {
    throw new EmbedlabError(`prompts must be a string or an object of column name → prompt, got ${JSON.stringify(prompts)}`);
  }
  for (const [name, prompt] of Object.entries(prompts)) {
    if (typeof prompt !== 'string') throw new EmbedlabError(`prompts.${name} must be a string, got ${JSON.stringify(prompt)}`);
    // `negative` may name no column: rows without hard negatives just have none to prefix
    if (!names.includes(name) && name !== 'negative') {
      throw new EmbedlabError(`prompts names column "${name}", which the training data does not have (columns: ${names.join(', ')})`);
    }
  }
  return names.map((name) => prompts[name] ?? (name.startsWith('negative') ? (prompts['negative'] ?? '') : ''));
}

/**
 * Saves the training prompts as the model's own: the anchor prompt as its
 * "query" prompt and the positive's as its "document" prompt, so
 * `encodeQuery` / `encodeDocument` (and sentence-transformers' `encode_query` /
 * `encode_document` on the saved model) use what the model was trained with.
 */
export function rememberPrompts(model: SentenceEmbedder, prompts: string[]): void {
  const own = (model as { prompts?: Record<string, string> }).prompts;
  if (!own) return;
  if (prompts[0]) own['query'] = prompts[0];
  if (prompts[1]) own['document'] = prompts[1];
}

const promptLengths = new WeakMap<SentenceEmbedder, Map<string, number>>();

/**
 * Tokenises one column's texts (already behind their prompt); with a prompt,
 * marks how many leading tokens it takes — its tokens without the trailing
 * special token, as sentence-transformers counts them — so a Pooling with
 * `include_prompt: false` leaves them out.
 */
export function tokenizeWithPrompt(model: SentenceEmbedder, texts: string[], prompt: string | undefined): TokenBatch {
  const batch = model.tokenize(texts);
  if (!prompt) return batch;
  let lengths = promptLengths.get(model);
  if (!lengths) promptLengths.set(model, (lengths = new Map()));
  let length = lengths.get(prompt);
  if (length === undefined) {
    length = model.tokenize([prompt]).attentionMask.reduce((a, b) => a + b, 0) - 1;
    lengths.set(prompt, length);
  }
  batch.promptLength = length;
  return batch;
}
