/**
 * Reverse-mode gradients with tfjs's tape, walked so that memory is freed as
 * the walk goes.
 *
 * tfjs's own `gradients` / `variableGrads` keep every op's saved tensors and
 * every intermediate gradient until the whole backward pass ends; for a
 * transformer that doubles the peak, and each mini-batch's dense embedding
 * gradient (a vocabulary-sized table) stays alive to the end. Here an op's
 * saved tensors and the gradients of its outputs are disposed as soon as the
 * op is done, and gradients that meet are summed at once. Same ops, same
 * values as tfjs's walk.
 *
 * It may run inside another backward pass (a layer recomputed there, see
 * `recomputeLayer`): tfjs has one active tape per engine, so the outer one is
 * set aside and put back.
 *
 * @example
 * const { value, grads } = leanGradients(() => loss(model(x)), weights);
 */
import * as tf from '@tensorflow/tfjs';

/** What tfjs records per op on its gradient tape (internal to tfjs-core). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

interface EngineState {
  activeTape: TapeNode[] | null;
  gradientDepth: number;
}

/**
 * `value = f()` and, for each of `xs`, `dyᵀ · ∂f/∂x` (`dy` defaults to ones),
 * or undefined where `f` does not depend on that x. The caller owns `value`
 * and the gradients.
 */
export function leanGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] } {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  const outerTape = state.activeTape;
  const outerDepth = state.gradientDepth;
  state.activeTape = [];
  state.gradientDepth = outerDepth + 1;
  let value: tf.Tensor | undefined;
  let tape: TapeNode[] = [];
  try {
    value = tf.tidy(f);
  } finally {
    tape = state.activeTape ?? [];
    state.activeTape = outerTape;
    state.gradientDepth = outerDepth;
    if (!value) for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  }
  const seed = dy ?? tf.onesLike(value);
  try {
    return { value, grads: backpropagate(tape, xs, value, seed) };
  } finally {
    if (seed !== dy) seed.dispose();
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
  }
}

/** Walks `tape` from `y` (gradient `dy`) back to `xs`, freeing each op's tensors once it is done. */
function backpropagate(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor, dy: tf.Tensor): (tf.Tensor | undefined)[] {
  // the ops on a path from some x to y, with their inputs pruned to those that depend on an x
  const fromX = new Set(xs.map((x) => x.id));
  const onPath: TapeNode[] = [];
  for (const node of tape) {
    const inputs = Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id));
    if (inputs.length === 0) continue;
    for (const out of node.outputs) fromX.add(out.id);
    onPath.push({ ...node, inputs: Object.fromEntries(inputs) });
  }
  const toY = new Set([y.id]);
  const nodes = onPath.reverse().filter((node) => {
    if (!node.outputs.some((out) => toY.has(out.id))) return false;
    for (const t of Object.values(node.inputs)) toY.add(t.id);
    return true;
  });

  const wanted = new Set(xs.map((x) => x.id));
  const grads = new Map<number, tf.Tensor>([[y.id, wanted.has(y.id) ? dy.clone() : dy]]);
  for (const node of nodes) {
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const dys = node.outputs.map((out) => grads.get(out.id) ?? null);
    const names = Object.keys(node.inputs);
    const dxs = tf.tidy(() => {
      const inputGradients = node.gradient!(dys);
      return names.map((name) => {
        if (!inputGradients[name]) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
        const dx = inputGradients[name]!();
        return dys.includes(dx) ? dx.clone() : dx; // a pass-through gradient: dys are freed below
      });
    });
    names.forEach((name, i) => {
      const x = node.inputs[name]!;
      const dx = dxs[i]!;
      if (dx.dtype !== 'float32') throw new Error(`the gradient of ${node.kernelName}'s input ${name} is ${dx.dtype}, not float32`);
      const previous = grads.get(x.id);
      if (previous) {
        grads.set(x.id, tf.add(previous, dx));
        previous.dispose();
        dx.dispose();
      } else {
        grads.set(x.id, dx);
      }
    });
    for (const out of node.outputs) {
      if (wanted.has(out.id)) continue;
      const g = grads.get(out.id);
      if (g && g !== dy) g.dispose();
      grads.delete(out.id);
    }
    for (const t of node.saved ?? []) t.dispose();
  }
  return xs.map((x) => grads.get(x.id));
}
