/**
 * BERT's inference forward pass (also XLM-RoBERTa's, which feeds other
 * position ids) as an ONNX graph on onnxruntime's fused CPU kernels:
 * embeddings → LayerNorm, then per layer `Attention` (packed QKV, padded keys
 * masked), `SkipLayerNormalization` (bias + residual + LayerNorm in one op)
 * and `BiasGelu` / `FastGelu` for the feed-forward block. Same weights and
 * math as {@link BertEncoder.forward} without dropout.
 */
import type * as tf from '@tensorflow/tfjs';
import { ONNX_FLOAT, ONNX_INT32 } from '../onnx/onnxProto';
import { GraphBuilder, MICROSOFT } from '../onnx/graphBuilder';
import type { InferenceGraph } from '../onnx/inferenceGraph';
import type { TokenBatch } from '../../tokenizer/types';
import type { BertConfig } from './config';

/** Activations with an onnxruntime op taking the bias: `(builder, x, bias) → output`. */
function feedForwardActivation(name: string, g: GraphBuilder, x: string, bias: string): string {
  switch (name) {
    case 'gelu':
      return g.op('BiasGelu', [x, bias], undefined, MICROSOFT);
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return g.op('FastGelu', [x, bias], undefined, MICROSOFT);
    case 'relu':
      return g.op('Relu', [g.op('Add', [x, bias])]);
    case 'silu': {
      const sum = g.op('Add', [x, bias]);
      return g.op('Mul', [sum, g.op('Sigmoid', [sum])]);
    }
    default:
      throw new RangeError(`hidden_act "${name}" has no inference graph`);
  }
}

/**
 * The graph of a BERT-layout encoder with `variables` (Hugging Face names,
 * Linear `[in, out]`); `positionIds` gives each token's row of the position
 * table.
 */
export function bertInferenceGraph(
  config: BertConfig,
  variables: Map<string, tf.Variable>,
  positionIds: (batch: TokenBatch) => Int32Array,
): InferenceGraph {
  const { hiddenSize: hidden, numAttentionHeads: heads, layerNormEps: eps } = config;
  const g = new GraphBuilder();
  const host = (name: string) => variables.get(name)!.dataSync() as Float32Array;
  const weight = (name: string) => g.weight(name, host(name), variables.get(name)!.shape);
  const tokens = (name: string) => g.input({ name, elemType: ONNX_INT32, shape: ['batch', 'sequence'] });

  const ids = tokens('input_ids');
  const types = tokens('token_type_ids');
  const positions = tokens('position_ids');
  const mask = tokens('attention_mask');
  const words = g.op('Gather', [weight('embeddings.word_embeddings.weight'), ids]);
  const typed = g.op('Gather', [weight('embeddings.token_type_embeddings.weight'), types]);
  const placed = g.op('Gather', [weight('embeddings.position_embeddings.weight'), positions]);
  // (words + types) + positions, in the order the tfjs encoder adds them
  let x = g.node('SkipLayerNormalization', [g.op('Add', [words, typed]), placed, weight('embeddings.LayerNorm.weight'), weight('embeddings.LayerNorm.bias')], {
    domain: MICROSOFT,
    attributes: { epsilon: { float: eps } },
  })[0]!;

  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `encoder.layer.${i}`;
    const a = `${p}.attention`;
    // Attention wants Q, K and V side by side: [hidden, 3·hidden] and [3·hidden]
    const qkv = new Float32Array(hidden * 3 * hidden);
    const parts = ['query', 'key', 'value'].map((n) => host(`${a}.self.${n}.weight`));
    for (let r = 0; r < hidden; r++) parts.forEach((w, k) => qkv.set(w.subarray(r * hidden, (r + 1) * hidden), r * 3 * hidden + k * hidden));
    const qkvBias = new Float32Array(3 * hidden);
    ['query', 'key', 'value'].forEach((n, k) => qkvBias.set(host(`${a}.self.${n}.bias`), k * hidden));
    const context = g.op(
      'Attention',
      [x, g.weight(`${a}.self.qkv.weight`, qkv, [hidden, 3 * hidden]), g.weight(`${a}.self.qkv.bias`, qkvBias, [3 * hidden]), mask],
      { num_heads: { int: heads } },
      MICROSOFT,
    );
    const skipNorm = (input: string, residual: string, prefix: string, norm: string) =>
      g.node('SkipLayerNormalization', [input, residual, weight(`${norm}.weight`), weight(`${norm}.bias`), weight(`${prefix}.bias`)], {
        domain: MICROSOFT,
        attributes: { epsilon: { float: eps } },
      })[0]!;
    const attended = skipNorm(g.op('MatMul', [context, weight(`${a}.output.dense.weight`)]), x, `${a}.output.dense`, `${a}.output.LayerNorm`);
    const act = feedForwardActivation(config.hiddenAct, g, g.op('MatMul', [attended, weight(`${p}.intermediate.dense.weight`)]), weight(`${p}.intermediate.dense.bias`));
    x = skipNorm(g.op('MatMul', [act, weight(`${p}.output.dense.weight`)]), attended, `${p}.output.dense`, `${p}.output.LayerNorm`);
  }
  g.node('Identity', [x], { named: ['last_hidden_state'] });
  g.output({ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: ['batch', 'sequence', hidden] });

  return {
    model: g.encode(),
    feeds: (batch) => {
      const dims = [batch.batchSize, batch.seqLength];
      return {
        input_ids: { data: Int32Array.from(batch.inputIds), dims },
        token_type_ids: { data: Int32Array.from(batch.tokenTypeIds), dims },
        position_ids: { data: positionIds(batch), dims },
        attention_mask: { data: Int32Array.from(batch.attentionMask), dims },
      };
    },
  };
}
