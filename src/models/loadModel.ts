/**
 * Loads a sentence-transformers model folder (or hub id) — the modules.json
 * pipeline of Transformer (BERT, XLM-RoBERTa, DistilBERT, MPNet) or StaticEmbedding, Pooling and
 * Normalize — into a {@link SentenceTransformer}. A plain Hugging Face BERT
 * folder without modules.json gets mean pooling, as upstream does; a model2vec
 * folder without one is its StaticEmbedding (+ Normalize if its config says so).
 *
 * @example
 * import { loadModel } from 'embedlab';
 * const model = await loadModel('sentence-transformers/all-MiniLM-L6-v2');
 * const local = await loadModel('./my-model', { maxSeqLength: 128 });
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveModel } from '../hub';
import type { HubOptions } from '../hub';
import { ensureBackend } from '../backend';
import { EmbedlabError, where } from '../util/errors';
import { checkOptions, checkString } from '../util/validate';
import { readJsonFile, readJsonIfExists } from '../util/readJson';
import { cardDataForFolder } from './export/cardData';
import type { InputModule } from './inputModule';
import { parsePoolingConfig, type PoolingConfig } from './pooling/pooling';
import { SentenceTransformer } from './sentenceTransformer';
import { StaticEmbedding } from './static/staticEmbedding';
import { isModel2vecFolder, model2vecNormalizes } from './static/model2vec';
import { Transformer } from './transformer';

export interface LoadModelOptions extends HubOptions {
  /** Truncate inputs to this many tokens instead of the model's `max_seq_length`. */
  maxSeqLength?: number;
}

interface ModuleEntry {
  path: string;
  type: string;
  /** Implied by a folder without modules.json (mean pooling). */
  implicit?: boolean;
}

/**
 * Resolves `idOrPath` (local folder or hub id) and loads the model in it.
 *
 * @example
 * const model = await loadModel('BAAI/bge-small-en-v1.5');
 * const embeddings = await model.encode(['what was the revenue in 2023?']);
 */
export async function loadModel(idOrPath: string, options: LoadModelOptions = {}): Promise<SentenceTransformer> {
  checkString(idOrPath, 'loadModel(idOrPath)', 'a model folder or Hugging Face id (a string)');
  checkOptions(options, 'loadModel(idOrPath, options)');
  const { maxSeqLength, ...hubOptions } = options;
  await ensureBackend();
  const dir = await resolveModel(idOrPath, hubOptions);
  const fromHub = resolve(dir) !== resolve(idOrPath);
  return loadModelFolder(dir, { ...(maxSeqLength !== undefined && { maxSeqLength }), ...(fromHub && { source: idOrPath }) });
}

/** Loads the model in local folder `dir`. */
export function loadModelFolder(dir: string, options: { maxSeqLength?: number; source?: string } = {}): SentenceTransformer {
  const modulesPath = join(dir, 'modules.json');
  const entries = existsSync(modulesPath) ? readModules(modulesPath) : isModel2vecFolder(dir) ? model2vecModules(dir) : [{ path: '', type: 'Transformer' }, { path: '', type: 'Pooling', implicit: true }];
  let input: InputModule | undefined;
  let pooling: PoolingConfig | undefined;
  let normalize = false;
  try {
    for (const [i, entry] of entries.entries()) {
      const kind = entry.type.split('.').pop()!;
      const moduleDir = join(dir, entry.path);
      const moduleAt = `${modulesPath} module ${i} (${entry.type})`;
      if (i === 0 && kind !== 'Transformer' && kind !== 'StaticEmbedding') {
        throw new EmbedlabError(`${moduleAt}: the first module must be a Transformer or a StaticEmbedding`);
      }
      switch (kind) {
        case 'Transformer':
          if (i !== 0) throw new EmbedlabError(`${moduleAt}: a Transformer must be the first module`);
          input = Transformer.load(moduleDir, options.maxSeqLength !== undefined ? { maxSeqLength: options.maxSeqLength } : {});
          break;
        case 'StaticEmbedding':
          if (i !== 0) throw new EmbedlabError(`${moduleAt}: a StaticEmbedding must be the first module`);
          input = StaticEmbedding.load(moduleDir);
          break;
        case 'Pooling': {
          // no modules.json: plain Hugging Face folder → mean pooling over the hidden size
          const configPath = join(moduleDir, 'config.json');
          pooling = entry.implicit
            ? { wordDimension: input!.outputDimension, modes: ['mean'], includePrompt: true }
            : parsePoolingConfig(readJsonFile(configPath), configPath);
          break;
        }
        case 'Normalize':
          normalize = true;
          break;
        default:
          throw new EmbedlabError(`${moduleAt}: module type "${entry.type}" is not supported (Transformer, StaticEmbedding, Pooling, Normalize)`);
      }
    }
    const stConfigPath = join(dir, 'config_sentence_transformers.json');
    const stConfig = readJsonIfExists(stConfigPath) ?? {};
    return new SentenceTransformer(input!, {
      ...(pooling && { pooling }),
      normalize,
      ...readPromptSettings(stConfig, stConfigPath),
      stConfig,
      folder: resolve(dir),
      cardData: cardDataForFolder(dir, options.source, readJsonIfExists(join(dir, entries[0]!.path, 'config.json')) ?? undefined),
    });
  } catch (error) {
    input?.dispose();
    throw error;
  }
}

/** `prompts` and `default_prompt_name` of config_sentence_transformers.json, checked so errors name the file. */
function readPromptSettings(stConfig: Record<string, unknown>, path: string): { prompts: Record<string, string>; defaultPromptName: string | null } {
  const prompts = stConfig.prompts ?? {};
  if (typeof prompts !== 'object' || prompts === null || Array.isArray(prompts) || !Object.values(prompts).every((p) => typeof p === 'string')) {
    throw new EmbedlabError(`${where(path, undefined, 'prompts')}: expected an object of prompt name → text, got ${JSON.stringify(prompts)}`);
  }
  const names = Object.keys(prompts);
  const defaultPromptName = stConfig.default_prompt_name ?? null;
  if (defaultPromptName !== null && !(typeof defaultPromptName === 'string' && names.includes(defaultPromptName))) {
    throw new EmbedlabError(
      `${where(path, undefined, 'default_prompt_name')}: ${JSON.stringify(defaultPromptName)} is not one of the prompts (${names.join(', ') || 'none'})`,
    );
  }
  return { prompts: prompts as Record<string, string>, defaultPromptName };
}

/** A model2vec folder without modules.json: its StaticEmbedding, then Normalize when config.json says so. */
function model2vecModules(dir: string): ModuleEntry[] {
  const modules = [{ path: '', type: 'sentence_transformers.models.StaticEmbedding' }];
  return model2vecNormalizes(dir) ? [...modules, { path: '', type: 'sentence_transformers.models.Normalize' }] : modules;
}

function readModules(path: string): ModuleEntry[] {
  const raw = readJsonFile<unknown>(path);
  if (!Array.isArray(raw) || raw.length === 0) throw new EmbedlabError(`${path}: expected a non-empty list of modules`);
  return raw.map((entry, i) => {
    const { path: modulePath, type } = (entry ?? {}) as Record<string, unknown>;
    if (typeof type !== 'string') throw new EmbedlabError(`${path} module ${i}: missing "type"`);
    if (typeof modulePath !== 'string' || modulePath.split(/[\\/]/).includes('..') || modulePath.startsWith('/')) {
      throw new EmbedlabError(`${path} module ${i}: "path" ${JSON.stringify(modulePath)} is not a folder inside the model`);
    }
    return { path: modulePath, type };
  });
}
