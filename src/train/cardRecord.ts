/**
 * What a training run writes into the model's card data, as
 * sentence-transformers' model-card callback does: the training dataset
 * (size, columns, token statistics, samples, loss), every hyper-parameter
 * under its TrainingArguments name, the per-evaluation training log, the
 * losses used and widget examples from the data.
 */
import type { TrainingRow } from '../data/types';
import type { Loss } from '../losses/types';
import type { CardDataset, ModelCardData, TrainingLogRow } from '../models/export/cardData';
import type { SentenceEmbedder } from '../models/types';
import type { FinetuneOptions, TrainingHistory } from './finetune';
import type { RunPlan } from './plan';

/** The Hugging Face TrainingArguments defaults of the settings embedlab has. */
const TRAINING_ARGUMENT_DEFAULTS: Record<string, unknown> = {
  eval_strategy: 'no',
  per_device_train_batch_size: 8,
  gradient_accumulation_steps: 1,
  learning_rate: 5e-5,
  weight_decay: 0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  max_grad_norm: 1,
  num_train_epochs: 3,
  max_steps: -1,
  lr_scheduler_type: 'linear',
  warmup_ratio: 0,
  warmup_steps: 0,
  seed: 42,
  dataloader_drop_last: false,
  load_best_model_at_end: false,
  prompts: null,
  batch_sampler: 'batch_sampler',
};

/** The run's settings under TrainingArguments names (what sentence-transformers' card lists). */
export function trainingArguments(plan: RunPlan, options: FinetuneOptions, prompts: Record<string, string> | undefined): Record<string, unknown> {
  const evaluates = plan.evaluator !== undefined;
  return {
    eval_strategy: !evaluates ? 'no' : plan.evaluateEvery.everySteps ? 'steps' : 'epoch',
    per_device_train_batch_size: plan.batchSize,
    gradient_accumulation_steps: plan.gradAccumSteps,
    learning_rate: plan.lr,
    weight_decay: plan.adamW.weightDecay ?? 0,
    adam_beta1: plan.adamW.beta1 ?? 0.9,
    adam_beta2: plan.adamW.beta2 ?? 0.999,
    adam_epsilon: plan.adamW.eps ?? 1e-8,
    max_grad_norm: plan.maxGradNorm,
    num_train_epochs: plan.epochs,
    max_steps: plan.maxSteps ?? -1,
    lr_scheduler_type: plan.scheduler,
    warmup_ratio: options.warmupRatio ?? 0,
    warmup_steps: plan.schedule.warmupSteps,
    seed: plan.seed,
    dataloader_drop_last: plan.dropLast,
    load_best_model_at_end: plan.loadBestModelAtEnd,
    prompts: prompts && Object.keys(prompts).length ? prompts : null,
    batch_sampler: plan.batchSampler === 'no-duplicates' ? 'no_duplicates' : 'batch_sampler',
  };
}

/** Column name → values, as the trainer sees the rows (`negative_1..n` for hard negatives). */
function columnsOf(rows: TrainingRow[], negatives: number, loss: Loss): [string, (string | number)[]][] {
  const columns: [string, (string | number)[]][] = [
    ['anchor', rows.map((r) => r.anchor)],
    ['positive', rows.map((r) => r.positive)],
  ];
  for (let k = 0; k < negatives; k++) columns.push([negatives === 1 ? 'negative' : `negative_${k + 1}`, rows.map((r) => r.negatives[k]!)]);
  if (loss.requires.score) columns.push(['score', rows.map((r) => r.score!)]);
  return columns;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Size, columns, token statistics over the first 1,000 rows, three samples, and the loss. */
export function describeDataset(model: SentenceEmbedder, rows: TrainingRow[], negatives: number, loss: Loss, base: CardDataset = {}): CardDataset {
  const columns = columnsOf(rows, negatives, loss);
  const stats: CardDataset['stats'] = {};
  for (const [name, values] of columns) {
    const head = values.slice(0, 1000);
    if (typeof head[0] === 'string') {
      const batch = model.tokenize(head as string[]);
      const lengths = Array.from({ length: batch.batchSize }, (_, i) => {
        let n = 0;
        for (let j = 0; j < batch.seqLength; j++) n += batch.attentionMask[i * batch.seqLength + j]!;
        return n;
      });
      const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
      stats[name] = { dtype: 'string', data: { min: `${Math.min(...lengths)} tokens`, mean: `${round2(mean)} tokens`, max: `${Math.max(...lengths)} tokens` } };
    } else {
      const nums = head as number[];
      const mean = nums.reduce((a, b) => a + b, 0) / nums.length;
      stats[name] = { dtype: 'float', data: { min: String(round2(Math.min(...nums))), mean: String(round2(mean)), max: String(round2(Math.max(...nums))) } };
    }
  }
  return {
    ...base,
    size: rows.length,
    columns: columns.map(([name]) => name),
    stats,
    examples: rows.slice(0, 3).map((_, i) => Object.fromEntries(columns.map(([name, values]) => [name, values[i]!]))),
    loss: { name: loss.name, config: loss.config() },
  };
}

/** The loss and every loss it wraps, outermost first. */
export function lossChain(loss: Loss): Loss[] {
  const chain: Loss[] = [loss];
  for (let inner = (loss as { inner?: Loss }).inner; inner; inner = (inner as { inner?: Loss }).inner) chain.push(inner);
  return chain;
}

/**
 * Widget examples as sentence-transformers picks them: among the first 1,000
 * rows, the shortest ones become queries, each with its own positive and the
 * positives of the next-shortest rows as candidate documents (5 examples).
 */
export function widgetExamples(rows: TrainingRow[]): { widget: { source_sentence: string; sentences: string[] }[]; predictExample?: string[] } {
  const head = rows.slice(0, 1000);
  const order = head.map((r, i) => [i, [...r.anchor].length + [...r.positive].length] as const).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const targets = order.slice(0, 5).map(([i]) => i);
  const backups = order.slice(5).map(([i]) => i);
  const widget: { source_sentence: string; sentences: string[] }[] = [];
  let predictExample: string[] | undefined;
  for (const i of targets) {
    const sentences = [head[i]!.anchor, head[i]!.positive];
    while (sentences.length < 4 && backups.length) sentences.push(head[backups.shift()!]!.positive);
    if (sentences.length < 4) continue;
    widget.push({ source_sentence: sentences[0]!, sentences: sentences.slice(1) });
    predictExample = sentences;
  }
  return { widget, ...(predictExample && { predictExample }) };
}

/** Training log rows: one per evaluation, with the mean training loss since the previous one. */
export function trainingLogRows(history: TrainingHistory, primaryMetrics: string[]): TrainingLogRow[] {
  const rows: TrainingLogRow[] = [];
  let from = 0;
  for (const record of history.evals) {
    const steps = history.steps.filter((s) => s.step > from && s.step <= record.step);
    from = record.step;
    const row: TrainingLogRow = { Epoch: record.epoch, Step: record.step, 'Training Loss': steps.length ? steps.reduce((a, s) => a + s.loss, 0) / steps.length : '-' };
    for (const key of primaryMetrics) if (record.metrics[key] !== undefined) row[key] = record.metrics[key]!;
    rows.push(row);
  }
  return rows;
}

/** Fills `card` with what the run knows; the dataset's name and id, when set by the caller, are kept. */
export function recordTraining(
  card: ModelCardData,
  model: SentenceEmbedder,
  rows: TrainingRow[],
  plan: RunPlan,
  options: FinetuneOptions,
  history: TrainingHistory,
  bestStep: number | undefined,
): void {
  const args = trainingArguments(plan, options, options.prompts === undefined ? undefined : typeof options.prompts === 'string' ? { '*': options.prompts } : options.prompts);
  card.allHyperparameters = args;
  card.nonDefaultHyperparameters = Object.fromEntries(Object.entries(args).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(TRAINING_ARGUMENT_DEFAULTS[k])));
  card.trainDatasets = [describeDataset(model, rows, plan.negatives, plan.loss, card.trainDatasets[0])];
  card.addTags('generated_from_trainer', `dataset_size:${rows.length}`, ...lossChain(plan.loss).map((l) => `loss:${l.name}`));
  card.losses = lossChain(plan.loss).map((l) => l.name);
  if (!card.widget.length) Object.assign(card, widgetExamples(rows));
  // the evaluator's primary metric per Matryoshka dim, as the reference's training logs show
  const primary = plan.evaluator ? primaryMetricsOf(plan.evaluator.metricNames(), plan.evaluator.primaryMetric) : [];
  card.trainingLogs = trainingLogRows(history, primary);
  card.irModel ??= primary.some((k) => k.includes('ndcg'));
  if (bestStep !== undefined) card.bestModelStep = bestStep;
}

/** For `dim_768_cosine_ndcg@10` among `dim_*` keys: that metric at every dim. */
function primaryMetricsOf(names: string[], primary: string): string[] {
  const match = /^(?:.*?_)?dim_\d+_(.+)$/.exec(primary);
  if (!match) return [primary];
  return names.filter((n) => n.endsWith(`_${match[1]}`) && /dim_\d+_/.test(n));
}
