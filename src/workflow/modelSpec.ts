/**
 * What `--model` (and a notebook's `EMBEDLAB_MODEL`) can name besides a hub
 * id or a folder: nothing (the built-in pretrained GloVe StaticEmbedding) or
 * `random:DIM[:TOKENIZER_DIR]` — a StaticEmbedding initialised N(0, 1), over
 * the built-in WordPiece tokenizer unless a folder with a tokenizer.json is
 * given (e.g. `random:100:models/glove-100d/0_StaticEmbedding`, the same
 * vocabulary as the pretrained model).
 *
 * @example
 * const { model, description } = await openModel('random:256', { seed: 42 });
 */
import { EmbedlabError } from '../util/errors';
import { createStaticModel, loadModel, loadModelFolder, type SentenceTransformer } from '../models';
import { BUILTIN_MODEL, BUILTIN_MODEL_DESCRIPTION, BUILTIN_TOKENIZER } from './builtin';

/** Which kind of model a spec named; the demo picks its default recipe by it. */
export type ModelKind = 'builtin' | 'random' | 'loaded';

export interface OpenedModel {
  model: SentenceTransformer;
  kind: ModelKind;
  /** What the report says the model is. */
  description: string;
}

const RANDOM = /^random:(\d+)(?::(.+))?$/;

/**
 * Opens the model `spec` names: `undefined` → the built-in pretrained model;
 * `random:DIM[:DIR]` → a random-init StaticEmbedding (seeded by `seed`);
 * anything else → {@link loadModel} (hub id or folder).
 */
export async function openModel(spec: string | undefined, options: { seed: number }): Promise<OpenedModel> {
  if (spec === undefined) {
    return { model: loadModelFolder(BUILTIN_MODEL), kind: 'builtin', description: BUILTIN_MODEL_DESCRIPTION };
  }
  const random = RANDOM.exec(spec);
  if (random) {
    const dim = Number(random[1]);
    if (!Number.isSafeInteger(dim) || dim < 1) throw new EmbedlabError(`--model ${spec}: the dimension must be a positive whole number`);
    const tokenizerDir = random[2] ?? BUILTIN_TOKENIZER;
    const tokenizerName = random[2] ?? 'the built-in WordPiece tokenizer (datasets/fictional-10k-qa/tokenizer)';
    return {
      model: createStaticModel(tokenizerDir, { dim, seed: options.seed }),
      kind: 'random',
      description: `StaticEmbedding (dim ${dim}, random init N(0, 1), seed ${options.seed}) over ${tokenizerName}`,
    };
  }
  if (spec.startsWith('random:')) throw new EmbedlabError(`--model ${spec}: expected random:DIM or random:DIM:TOKENIZER_DIR, e.g. random:256`);
  return { model: await loadModel(spec), kind: 'loaded', description: spec };
}
