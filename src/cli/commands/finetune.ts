import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../../backend';
import { addIds, buildIRSet, loadRecords, toTrainingRows, trainTestSplit } from '../../data';
import type { ColumnMapping } from '../../data/rowFormats';
import type { TrainingRow } from '../../data/types';
import { InformationRetrievalEvaluator } from '../../eval';
import { cachedMnrl, cosent, distillKL, matryoshka, mnrl, type Loss } from '../../losses';
import { loadModel } from '../../models';
import { finetune } from '../../train/finetune';
import { parseScheduler } from '../../train/schedule';
import type { FinetuneOptions } from '../../train/finetune';
import { EmbedlabError } from '../../util/errors';
import { formatDuration, terminalProgress } from '../../../widgets';
import type { Command } from '../command';
import { stoppableByCtrlC } from '../ctrlC';
import { columnsOption, dimsOption, intOption, numberOption } from '../options';
import { resumeCommand } from '../resumeCommand';

const LOSSES = ['mnrl', 'cached-mnrl', 'cosent', 'distill'] as const;

const HELP = `usage: embedlab finetune --model M --train DATA [--eval DATA | --test-size 0.1]
                         [--loss mnrl|cached-mnrl|cosent|distill] [--matryoshka-dims 768,512,256,128,64]
                         [--epochs N] [--batch-size N] [--mini-batch-size N] [--lr X] [--scheduler S]
                         [--warmup-ratio X] [--grad-accum N] [--seed N] [--output DIR] [--resume]

Fine-tunes a sentence-embedding model with the sentence-transformers recipe
(MultipleNegativesRankingLoss, optionally inside MatryoshkaLoss; AdamW; warm-up
and decay; no-duplicates batches) and keeps the best model by a retrieval metric.

  --model M              model folder or Hugging Face id
  --train DATA           training data: a file (.jsonl .json .csv .tsv .parquet), folder or hub
                         dataset id, in any supported format (anchor/positive[/negative_n],
                         question/context, FlagEmbedding query/pos/neg, NeMo, scored pairs)
  --eval DATA            held-out pairs: corpus = contexts of train + eval, queries = eval questions
  --test-size X          no --eval: hold out this fraction (or row count) of --train (seeded)
  --loss NAME            mnrl (default), cached-mnrl (GradCache: big batches, small memory),
                         cosent (scored pairs), distill (teacher pos_scores/neg_scores, FlagEmbedding kl_div)
  --matryoshka-dims LIST wrap the loss in MatryoshkaLoss and evaluate at these dims
  --epochs N             default 3
  --batch-size N         rows per batch: the contrastive batch (default 8)
  --mini-batch-size N    cached-mnrl: texts per forward pass (default 32)
  --lr X                 peak learning rate (default 5e-5)
  --scheduler S          constant | constant_with_warmup | linear (default) | cosine
  --warmup-ratio X       warm-up fraction of all steps (default 0)
  --warmup-steps N       warm-up steps (overrides the ratio)
  --weight-decay X       AdamW decoupled weight decay (default 0)
  --grad-accum N         batches per update (default 1). Does NOT add in-batch negatives;
                         for a larger contrastive batch use cached-mnrl with a larger --batch-size
  --max-grad-norm X      clip the gradient norm (default 1; 0 disables)
  --max-steps N          stop after N updates
  --negatives N          use the first N hard negatives of each row
  --metric NAME          metric that picks the best model (default the evaluator's primary,
                         e.g. dim_128_cosine_ndcg@10)
  --eval-steps N         also evaluate every N updates (always at each epoch end)
  --save-steps N         also checkpoint every N updates (always at each epoch end)
  --save-total-limit N   keep at most N checkpoints (never the best)
  --temperature X        distill: student temperature (default 0.02)
  --max-seq-length N     truncate texts to N tokens
  --seed N               default 42
  --columns MAP          column names when they are not detected, e.g. anchor=title,positive=body
                         (also negatives=col or negatives=col1+col2, score=col, id=col)
  --output DIR           checkpoints (DIR/checkpoint-<step>) and the final model (DIR)
  --resume               continue from the newest checkpoint in --output
  --backend B            gpu | node | wasm | cpu (default: best available)

Ctrl-C stops after the current step, writes a checkpoint (with --output) and
prints the command that resumes. A second Ctrl-C quits at once.`;

/** The loss for `--loss`, wrapped in MatryoshkaLoss when dims are given. */
export function lossFromFlags(name: string, options: { dims?: number[]; miniBatchSize?: number; temperature?: number }): Loss {
  let inner: Loss;
  switch (name) {
    case 'mnrl':
      inner = mnrl();
      break;
    case 'cached-mnrl':
      inner = cachedMnrl({ miniBatchSize: options.miniBatchSize });
      break;
    case 'cosent':
      inner = cosent();
      break;
    case 'distill':
      inner = distillKL({ temperature: options.temperature });
      break;
    default:
      throw new EmbedlabError(`--loss "${name}" is not one of: ${LOSSES.join(', ')}`);
  }
  if (options.miniBatchSize !== undefined && name !== 'cached-mnrl') {
    throw new EmbedlabError('--mini-batch-size applies to --loss cached-mnrl only');
  }
  return options.dims ? matryoshka(inner, { dims: options.dims }) : inner;
}

async function readRows(source: string, columns?: ColumnMapping): Promise<TrainingRow[]> {
  const { records } = await loadRecords(source);
  const { rows, format } = toTrainingRows(records, { source, columns, onWarning: (m) => console.error(`embedlab finetune: ${m}`) });
  console.error(`embedlab finetune: ${source}: ${rows.length} rows (${format} format)`);
  return rows;
}

export const command: Command = {
  summary: 'fine-tune a model (MNRL / Matryoshka / GradCache / CoSENT / distillation) with checkpoints',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        train: { type: 'string' },
        eval: { type: 'string' },
        'test-size': { type: 'string' },
        loss: { type: 'string', default: 'mnrl' },
        'matryoshka-dims': { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        'mini-batch-size': { type: 'string' },
        lr: { type: 'string' },
        scheduler: { type: 'string' },
        'warmup-ratio': { type: 'string' },
        'warmup-steps': { type: 'string' },
        'weight-decay': { type: 'string' },
        'grad-accum': { type: 'string' },
        'max-grad-norm': { type: 'string' },
        'max-steps': { type: 'string' },
        negatives: { type: 'string' },
        metric: { type: 'string' },
        'eval-steps': { type: 'string' },
        'save-steps': { type: 'string' },
        'save-total-limit': { type: 'string' },
        temperature: { type: 'string' },
        'max-seq-length': { type: 'string' },
        seed: { type: 'string' },
        columns: { type: 'string' },
        output: { type: 'string' },
        resume: { type: 'boolean', default: false },
        backend: { type: 'string' },
      },
    });
    if (!values.model) throw new EmbedlabError('--model is required (a model folder or Hugging Face id)');
    if (!values.train) throw new EmbedlabError('--train is required (a data file, folder or dataset id)');
    if (values.resume && !values.output) throw new EmbedlabError('--resume continues the run in --output DIR; pass --output');
    if (values.eval && values['test-size']) throw new EmbedlabError('pass --eval or --test-size, not both');
    if (values.metric && !values.eval && !values['test-size']) throw new EmbedlabError('--metric needs --eval or --test-size');
    const dims = dimsOption(values['matryoshka-dims'], '--matryoshka-dims');
    const loss = lossFromFlags(values.loss!, {
      dims,
      miniBatchSize: intOption(values['mini-batch-size'], '--mini-batch-size', { min: 1 }),
      temperature: numberOption(values.temperature, '--temperature', { above: 0 }),
    });
    const seed = intOption(values.seed, '--seed') ?? 42;
    const columns = columnsOption(values.columns, '--columns');
    const testSize = numberOption(values['test-size'], '--test-size', { above: 0, expected: 'a fraction in (0, 1) or a row count' });
    const maxSeqLength = intOption(values['max-seq-length'], '--max-seq-length', { min: 1 });
    const trainingFlags = {
      epochs: intOption(values.epochs, '--epochs', { min: 1 }),
      batchSize: intOption(values['batch-size'], '--batch-size', { min: 1 }),
      lr: numberOption(values.lr, '--lr', { above: 0 }),
      scheduler: values.scheduler === undefined ? undefined : parseScheduler(values.scheduler),
      warmupRatio: numberOption(values['warmup-ratio'], '--warmup-ratio', { min: 0 }),
      warmupSteps: intOption(values['warmup-steps'], '--warmup-steps', { min: 0 }),
      weightDecay: numberOption(values['weight-decay'], '--weight-decay', { min: 0 }),
      gradAccumSteps: intOption(values['grad-accum'], '--grad-accum', { min: 1 }),
      maxGradNorm: numberOption(values['max-grad-norm'], '--max-grad-norm', { min: 0 }),
      maxSteps: intOption(values['max-steps'], '--max-steps', { min: 1 }),
      negatives: intOption(values.negatives, '--negatives', { min: 0 }),
      evalSteps: intOption(values['eval-steps'], '--eval-steps', { min: 1 }),
      saveSteps: intOption(values['save-steps'], '--save-steps', { min: 1 }),
      saveTotalLimit: intOption(values['save-total-limit'], '--save-total-limit', { min: 1 }),
    };

    const backend = await initBackend(values.backend as BackendChoice | undefined);
    console.error(backend.summary);

    let train = await readRows(values.train, columns);
    let evalRows: TrainingRow[] | undefined;
    if (values.eval) {
      const held = await readRows(values.eval, columns);
      const withIds = addIds([...train, ...held]);
      train = withIds.slice(0, train.length);
      evalRows = withIds.slice(train.length);
    } else if (testSize !== undefined) {
      const split = trainTestSplit(addIds(train), { testSize, seed });
      train = split.train;
      evalRows = split.test;
      console.error(`embedlab finetune: held out ${evalRows.length} rows for evaluation (seed ${seed})`);
    }

    const model = await loadModel(values.model, maxSeqLength !== undefined ? { maxSeqLength } : {});
    try {
      return await stoppableByCtrlC('finetune', async (signal) => {
        const evaluator = evalRows
          ? new InformationRetrievalEvaluator(buildIRSet(train, evalRows), {
              ...(dims && { dims }),
              ...(values.metric && { primaryMetric: values.metric }),
            })
          : undefined;
        const options: FinetuneOptions = {
          loss,
          ...trainingFlags,
          metricForBestModel: evaluator ? (values.metric ?? evaluator.primaryMetric) : undefined,
          seed,
          evaluator,
          evaluateBeforeTraining: evaluator !== undefined && !values.resume,
          outputDir: values.output,
          resume: values.resume,
          signal,
          onProgress: terminalProgress('fine-tuning', { unit: 'steps' }),
          onEvaluate: (record) => {
            const keys = Object.keys(record.metrics).filter((k) => /ndcg@10$/.test(k));
            const shown = keys.map((k) => `${k.replace(/_cosine_ndcg@10$/, '')} ${record.metrics[k]!.toFixed(4)}`).join(' · ');
            console.error(`\n${record.step === 0 ? 'baseline' : `step ${record.step} (epoch ${record.epoch.toFixed(2)})`} NDCG@10: ${shown}`);
          },
          onCheckpoint: (path) => console.error(`\ncheckpoint: ${path}`),
        };
        const started = Date.now();
        const result = await finetune(model, train, options);
        const took = formatDuration((Date.now() - started) / 1000);
        if (result.stopped) {
          console.error(
            `\nstopped at step ${result.globalStep}/${result.totalSteps} after ${took}.` +
              (result.lastCheckpoint
                ? ` Checkpoint: ${result.lastCheckpoint}\nResume with:\n  ${resumeCommand('finetune', argv)}`
                : ' No checkpoint was written (pass --output DIR to make runs resumable).'),
          );
          return 130;
        }
        const best = result.bestMetric !== undefined ? `; best ${result.metricForBestModel} = ${result.bestMetric.toFixed(4)} at step ${result.bestStep}` : '';
        console.log(`trained ${result.globalStep} steps in ${took}${best}${values.output ? `; model saved to ${values.output}` : ''}`);
        if (!values.output) console.error('embedlab finetune: no --output given, so the trained model was not saved');
      });
    } finally {
      model.dispose();
    }
  },
};
