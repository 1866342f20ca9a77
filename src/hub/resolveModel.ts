import type { HubOptions } from './options';
import { resolveRepo } from './resolve';

/**
 * Resolves a model to a local folder: an existing folder as is, or a hub id
 * (`org/name` or `name`) downloaded into the Hugging Face cache
 * (`models--org--name/snapshots/<commit>`, shared with Python). Only the files
 * a sentence-transformers model needs are fetched: configs, tokenizer,
 * safetensors weights, module folders (`1_Pooling/`, `2_Normalize/`, …) and the
 * README — never pickle weights. Honours `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_CACHE`/`HF_HOME` and `HF_HUB_OFFLINE`; a cached model loads without network.
 *
 * @example
 * import { resolveModel } from 'embedlab';
 * const folder = await resolveModel('BAAI/bge-small-en-v1.5');
 * // e.g. ~/.cache/huggingface/hub/models--BAAI--bge-small-en-v1.5/snapshots/5c38ec7c…
 * const pinned = await resolveModel('BAAI/bge-small-en-v1.5', { revision: 'main', offline: true });
 */
export async function resolveModel(idOrPath: string, options: HubOptions = {}): Promise<string> {
  return resolveRepo(idOrPath, 'model', options);
}
