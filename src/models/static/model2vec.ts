/**
 * model2vec folders (MinishLab/model2vec `StaticModel.save_pretrained`):
 * `model.safetensors` with `embeddings` (and, after vocabulary quantization,
 * `weights` — one scale per token — and `mapping` — token id → row),
 * `tokenizer.json`, `config.json` (`"model_type": "model2vec"`, `normalize`),
 * and since model2vec 0.4 a `modules.json` naming a StaticEmbedding at `.`.
 *
 * A StaticEmbedding has one row per token, so a quantized model is folded
 * into that form on load: row i = embeddings[mapping[i]] · weights[i] — the
 * same vectors model2vec's `encode` averages, so the same embeddings.
 *
 * @example
 * const table = foldModel2vecTable(embeddings, { weights, mapping }, 30522, 'model.safetensors');
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EmbedlabError } from '../../util/errors';
import { readJsonIfExists } from '../../util/readJson';
import type { HostTensor } from '../safetensors/dtypes';

/** True for a model2vec folder without modules.json (config.json says `model_type: model2vec`). */
export function isModel2vecFolder(dir: string): boolean {
  if (existsSync(join(dir, 'modules.json'))) return false;
  return readJsonIfExists(join(dir, 'config.json'))?.model_type === 'model2vec';
}

/** Whether a model2vec folder's config asks for normalised embeddings (model2vec's default is false). */
export function model2vecNormalizes(dir: string): boolean {
  return readJsonIfExists(join(dir, 'config.json'))?.normalize === true;
}

/**
 * One row per token from model2vec's `embeddings` and its optional
 * `weights` (`[tokens]`) and `mapping` (`[tokens]`, integer rows of
 * `embeddings`). `source` names the file in errors.
 */
export function foldModel2vecTable(
  embeddings: HostTensor,
  extra: { weights?: HostTensor; mapping?: HostTensor },
  tokens: number,
  source: string,
): HostTensor {
  const { weights, mapping } = extra;
  if (!weights && !mapping) return embeddings;
  const [rows, dim] = embeddings.shape as [number, number];
  const count = mapping ? mapping.data.length : rows;
  if (mapping && mapping.shape.length !== 1) throw new EmbedlabError(`${source}: tensor "mapping" has shape [${mapping.shape}], expected [tokens]`);
  if (weights && (weights.shape.length !== 1 || weights.data.length !== count)) {
    throw new EmbedlabError(`${source}: tensor "weights" has shape [${weights.shape}], expected [${count}] (one weight per token)`);
  }
  if (count < tokens) throw new EmbedlabError(`${source}: ${mapping ? '"mapping"' : '"embeddings"'} covers ${count} tokens but the tokenizer has ${tokens}`);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const row = mapping ? mapping.data[i]! : i;
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      throw new EmbedlabError(`${source}: tensor "mapping" entry ${i} is ${row}, not a row of "embeddings" (0..${rows - 1})`);
    }
    const scale = weights ? weights.data[i]! : 1;
    for (let k = 0; k < dim; k++) data[i * dim + k] = embeddings.data[row * dim + k]! * scale;
  }
  return { shape: [count, dim], data };
}
