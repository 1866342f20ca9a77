/**
 * sentence-transformers `Pooling` (from `1_Pooling/config.json`): token
 * embeddings `[batch, seq, dim]` → sentence embeddings. Several modes
 * concatenate in the order cls, max, mean, mean_sqrt_len_tokens, weightedmean,
 * lasttoken, as upstream does.
 *
 * - cls: the first token.
 * - max: per-dimension max over real tokens (padding set to −1e9 first).
 * - mean: `Σ(h·mask) / max(Σmask, 1e-9)`; mean_sqrt_len_tokens divides by `sqrt(max(Σmask, 1e-9))`.
 * - weightedmean: position-weighted mean, weights 1..seq.
 * - lasttoken: the last real token.
 * With `include_prompt: false` the first `promptLength` tokens are left out
 * (masked) for every mode except cls.
 *
 * Upstream's max pooling writes −1e9 into the padded positions of the token
 * embeddings in place, and its cls output is a view of position 0 of that same
 * tensor; so with max on, a row whose first token is masked (an all-padding
 * row, or the prompt's [CLS] under `include_prompt: false`) gets −1e9 in its
 * cls block. That is reproduced here so the numbers stay identical.
 *
 * @example
 * const config = parsePoolingConfig({ word_embedding_dimension: 384, pooling_mode_mean_tokens: true }, 'inline');
 * const sentences = pool(tokenEmbeddings, batch, config); // [batch, 384]
 */
import * as tf from '@tensorflow/tfjs';
import { EmbedlabError } from '../../util/errors';
import type { TokenBatch } from '../../tokenizer/types';

export type PoolingMode = 'cls' | 'max' | 'mean' | 'mean_sqrt_len_tokens' | 'weightedmean' | 'lasttoken';

/** Upstream's config keys, in the order their outputs are concatenated. */
const MODE_KEYS: [PoolingMode, string][] = [
  ['cls', 'pooling_mode_cls_token'],
  ['max', 'pooling_mode_max_tokens'],
  ['mean', 'pooling_mode_mean_tokens'],
  ['mean_sqrt_len_tokens', 'pooling_mode_mean_sqrt_len_tokens'],
  ['weightedmean', 'pooling_mode_weightedmean_tokens'],
  ['lasttoken', 'pooling_mode_lasttoken'],
];

export interface PoolingConfig {
  /** Token embedding size (`word_embedding_dimension`). */
  wordDimension: number;
  modes: PoolingMode[];
  includePrompt: boolean;
}

/** Output size: one `wordDimension` block per mode. */
export function poolingDimension(config: PoolingConfig): number {
  return config.modes.length * config.wordDimension;
}

/** Reads a `1_Pooling/config.json` object (`source` names it in errors). */
export function parsePoolingConfig(raw: Record<string, unknown>, source: string): PoolingConfig {
  const dim = raw.word_embedding_dimension;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) {
    throw new EmbedlabError(`${source}: "word_embedding_dimension" must be a positive integer, got ${JSON.stringify(dim)}`);
  }
  let modes: PoolingMode[];
  if (typeof raw.pooling_mode === 'string') {
    const mode = raw.pooling_mode.toLowerCase() as PoolingMode;
    if (!MODE_KEYS.some(([m]) => m === mode)) {
      throw new EmbedlabError(`${source}: pooling_mode "${raw.pooling_mode}" is not one of ${MODE_KEYS.map(([m]) => m).join(', ')}`);
    }
    modes = [mode];
  } else {
    modes = MODE_KEYS.filter(([, key]) => raw[key] === true).map(([mode]) => mode);
  }
  if (modes.length === 0) throw new EmbedlabError(`${source}: no pooling mode is switched on`);
  return { wordDimension: dim, modes, includePrompt: raw.include_prompt !== false };
}

/** The `1_Pooling/config.json` object for `config`. */
export function poolingConfigJson(config: PoolingConfig): Record<string, unknown> {
  const json: Record<string, unknown> = { word_embedding_dimension: config.wordDimension };
  for (const [mode, key] of MODE_KEYS) json[key] = config.modes.includes(mode);
  json.include_prompt = config.includePrompt;
  return json;
}

/**
 * Pools `tokens` (`[batch, seq, dim]`) over the real tokens of `batch`;
 * differentiable. `promptLength` (tokens at the start, special prefix
 * included) is excluded when `includePrompt` is false.
 */
export function pool(tokens: tf.Tensor3D, batch: TokenBatch, config: PoolingConfig, promptLength?: number): tf.Tensor2D {
  const { batchSize: b, seqLength: len } = batch;
  const dim = tokens.shape[2];
  const mask = Float32Array.from(batch.attentionMask);
  if (!config.includePrompt && promptLength) {
    for (let i = 0; i < b; i++) mask.fill(0, i * len, i * len + Math.min(promptLength, len));
  }
  return tf.tidy(() => {
    const m = tf.tensor3d(mask, [b, len, 1]);
    const outputs: tf.Tensor2D[] = [];
    const maskedSum = () => tf.sum(tf.mul(tokens, m), 1) as tf.Tensor2D;
    const count = () => tf.maximum(tf.sum(m, 1), 1e-9);
    // real tokens keep their value exactly; padding becomes −1e9
    const padsAtMinus1e9 = () => tf.add(tf.mul(tokens, m), tf.mul(tf.sub(1, m), -1e9)) as tf.Tensor3D;
    const withMax = config.modes.includes('max');
    for (const mode of config.modes) {
      switch (mode) {
        case 'cls': {
          // with max on, upstream's cls view sees max pooling's in-place −1e9 (see above)
          const source = withMax ? padsAtMinus1e9() : tokens;
          outputs.push(tf.reshape(tf.slice(source, [0, 0, 0], [b, 1, dim]), [b, dim]));
          break;
        }
        case 'max':
          outputs.push(tf.max(padsAtMinus1e9(), 1) as tf.Tensor2D);
          break;
        case 'mean':
          outputs.push(tf.div(maskedSum(), count()));
          break;
        case 'mean_sqrt_len_tokens':
          outputs.push(tf.div(maskedSum(), tf.sqrt(count())));
          break;
        case 'weightedmean': {
          const weights = new Float32Array(b * len);
          for (let i = 0; i < weights.length; i++) weights[i] = mask[i]! * ((i % len) + 1);
          const w = tf.tensor3d(weights, [b, len, 1]);
          outputs.push(tf.div(tf.sum(tf.mul(tokens, w), 1), tf.maximum(tf.sum(w, 1), 1e-9)));
          break;
        }
        case 'lasttoken': {
          // one-hot on the last real token (the last position if none), times the mask as upstream
          const pick = new Float32Array(b * len);
          for (let i = 0; i < b; i++) {
            let last = len - 1;
            for (let j = len - 1; j >= 0; j--) {
              if (mask[i * len + j]) {
                last = j;
                break;
              }
            }
            pick[i * len + last] = mask[i * len + last]!;
          }
          outputs.push(tf.sum(tf.mul(tokens, tf.tensor3d(pick, [b, len, 1])), 1) as tf.Tensor2D);
          break;
        }
      }
    }
    return outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 1);
  });
}
