/**
 * Activation recomputation ("gradient checkpointing") for one encoder layer.
 *
 * tfjs keeps every intermediate of a taped forward pass until the backward
 * pass has used it: ~25 MB per 128-token text per BERT layer, so a batch of
 * 64 texts through 12 layers needs tens of gigabytes. {@link recomputeLayer}
 * keeps only the layer's input: its forward runs untaped (intermediates are
 * freed as soon as the layer is done), and the backward pass runs the layer
 * again under its own tape and back-propagates through that. The result and
 * the gradients are those of the plain layer (the same kernels on the same
 * inputs, the same dropout masks); the cost is one more forward of the layer.
 */
import * as tf from '@tensorflow/tfjs';
import { leanGradients } from '../backend/gradients';

/** Where dropout draws its mask seeds (a `Random`, or a replay of one). */
export interface SeedSource {
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/**
 * A layer as {@link recomputeLayer} runs it: `x` is the input that gets a
 * gradient, `constants` are tensors it reads without differentiating them
 * (attention masks, position ids), and every dropout seed is drawn from
 * `seeds` (so the recomputation can replay them). Weights are read from the
 * closure and listed in `weights` of {@link recomputeLayer}.
 */
export type RecomputableLayer = (x: tf.Tensor, constants: tf.Tensor[], seeds: SeedSource) => tf.Tensor;

/**
 * Runs `layer(x, constants, seeds)`, keeping for the backward pass only `x`
 * and `constants` (plus the dropout seeds it drew). Gradients flow to `x`
 * and to every tensor of `weights` (the variables `layer` reads). Without a
 * gradient tape it is the plain layer in a tidy.
 *
 * @example
 * const y = recomputeLayer(
 *   (h, [mask], seeds) => block(h, mask, (t, rate) => dropout(t, rate, training, seeds)),
 *   x, [mask], [wq, bq, wk, bk], random,
 * );
 */
export function recomputeLayer<T extends tf.Tensor>(
  layer: RecomputableLayer,
  x: T,
  constants: tf.Tensor[],
  weights: tf.Tensor[],
  seeds: SeedSource,
): T {
  const drawn: number[] = [];
  const recording: SeedSource = {
    int(n: number) {
      const value = seeds.int(n);
      drawn.push(value);
      return value;
    },
  };
  const run = tf.customGrad((...args) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const input = args[0] as tf.Tensor;
    save([input, ...constants]);
    const value = layer(input, constants, recording);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedInput, ...savedConstants] = saved as [tf.Tensor, ...tf.Tensor[]];
      let next = 0;
      const replay: SeedSource = {
        int() {
          if (next >= drawn.length) throw new Error('recomputeLayer: the layer drew more dropout seeds than in its forward pass');
          return drawn[next++]!;
        },
      };
      return vectorJacobian(() => layer(savedInput, savedConstants, replay), [savedInput, ...weights], dy);
    };
    return { value, gradFunc };
  });
  return run(x, ...weights) as T;
}

/**
 * `dyᵀ · ∂f/∂xs` for each of `xs` (zeros where `f` does not depend on one),
 * under a tape of its own: this runs inside another backward pass.
 */
function vectorJacobian(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const { value, grads } = leanGradients(f, xs, dy);
  value.dispose();
  return grads.map((g, i) => g ?? tf.zerosLike(xs[i]!));
}
