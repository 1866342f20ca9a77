import { addIds, buildIRSet, loadRecords, toTrainingRows, trainTestSplit } from '../../data';
import type { ColumnMapping } from '../../data/rowFormats';
import type { TrainingRow } from '../../data/types';
import { InformationRetrievalEvaluator } from '../../eval';
import { cachedMnrl, cosent, distillKL, matryoshka, mnrl, type Loss } from '../../losses';
import { loadModel } from '../../models';
import { finetune } from '../../train/finetune';
import type { FinetuneOptions } from '../../train/finetune';
import { checkRunFolder, TrainingWriteError, type RunFolderNames } from '../../train/runFolder';
import { EmbedlabError } from '../../util/errors';
import { formatDuration, terminalProgress } from '../../../widgets';
import type { Command } from '../command';
import { stoppableByCtrlC } from '../ctrlC';
import { startBackend } from '../backendLine';
import { defineFlags, flagHelp, parseFlags } from '../flags';
import { resumeCommand } from '../resumeCommand';
import { parseShareFlags } from '../shareFlags';
import { pushWithProgress } from './push';
import { describeRunInCard, evaluatorPrompts, resolvePrompts, trainingPrompts } from '../../workflow/sharing';

const LOSSES = ['mnrl', 'cached-mnrl', 'cosent', 'distill'] as const;
const CLI_NAMES: RunFolderNames = { output: '--output', resume: '--resume', overwrite: '--overwrite' };

const FLAGS = defineFlags('finetune', {
  required: ['model', 'train'],
  optional: [
    'eval', 'test-size', 'loss', 'dims', 'epochs', 'batch-size', 'mini-batch-size', 'lr', 'scheduler', 'warmup-ratio', 'warmup-steps',
    'weight-decay', 'grad-accum', 'max-grad-norm', 'max-steps', 'negatives', 'metric', 'eval-steps', 'save-steps', 'save-total-limit',
    'temperature', 'max-seq-length', 'seed', 'columns', 'output', 'overwrite', 'resume', 'backend',
    'query-prompt', 'document-prompt', 'query-prompt-name', 'document-prompt-name', 'license', 'language', 'push-to-hub', 'private',
  ],
  help: {
    train: 'training data: a file (.jsonl .json .csv .tsv .parquet), folder or hub dataset id, in any supported format (anchor/positive[/negative_n], question/context, FlagEmbedding query/pos/neg, NeMo, scored pairs)',
    dims: 'wrap the loss in MatryoshkaLoss and evaluate at these dims',
    epochs: 'passes over the training data (default 3)',
    'batch-size': 'rows per batch: the contrastive batch (default 8)',
    'mini-batch-size': 'cached-mnrl: texts per forward pass (default 32)',
    lr: 'peak learning rate (default 5e-5)',
    scheduler: 'constant | constant_with_warmup | linear (default) | cosine',
    'grad-accum': 'batches per update (default 1). Does NOT add in-batch negatives; for a larger contrastive batch use cached-mnrl with a larger --batch-size',
    output: 'checkpoints (DIR/checkpoint-<step>) and the final model (DIR): a new or empty folder, or one embedlab wrote',
    overwrite: "write into a folder holding other files (none is deleted) and start over where an earlier run left checkpoints",
  },
});

const HELP = `usage: embedlab finetune --model M --train DATA [--eval DATA | --test-size 0.1]
                         [--loss mnrl|cached-mnrl|cosent|distill] [--dims 768,512,256,128,64]
                         [--epochs N] [--batch-size N] [--lr X] [--output DIR] [--resume] [options]

Fine-tunes a sentence-embedding model with the sentence-transformers recipe
(MultipleNegativesRankingLoss, optionally inside MatryoshkaLoss; AdamW; warm-up
and decay; no-duplicates batches) and keeps the best model by a retrieval metric.

${flagHelp(FLAGS)}

Ctrl-C stops after the current step, writes a checkpoint (with --output) and
prints the command that resumes. A second Ctrl-C quits at once. A full disk
keeps the last good checkpoint and prints the same command.`;

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

async function readRows(source: string, columns?: ColumnMapping, files: string[] = []): Promise<TrainingRow[]> {
  const loaded = await loadRecords(source);
  files.push(...loaded.files);
  const { rows, format } = toTrainingRows(loaded.records, { source, columns, onWarning: (m) => console.error(`embedlab finetune: ${m}`) });
  console.error(`embedlab finetune: ${source}: ${rows.length} rows (${format} format)`);
  return rows;
}

export const command: Command = {
  summary: 'fine-tune a model (MNRL / Matryoshka / GradCache / CoSENT / distillation) with checkpoints',
  help: HELP,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    const sharing = parseShareFlags(values);
    if (sharing.pushToHub && !values.output) throw new EmbedlabError('--push-to-hub pushes the model saved in --output DIR; pass --output');
    if (values.resume && !values.output) throw new EmbedlabError('--resume continues the run in --output DIR; pass --output');
    if (values.eval && values['test-size']) throw new EmbedlabError('pass --eval or --test-size, not both');
    if (values.metric && !values.eval && !values['test-size']) throw new EmbedlabError('--metric needs --eval or --test-size');
    const dims = values.dims;
    const loss = lossFromFlags(values.loss ?? 'mnrl', {
      dims,
      miniBatchSize: values['mini-batch-size'],
      temperature: values.temperature,
    });
    const seed = values.seed ?? 42;
    const columns = values.columns;
    const testSize = values['test-size'];
    const maxSeqLength = values['max-seq-length'];
    const trainingFlags = {
      epochs: values.epochs,
      batchSize: values['batch-size'],
      lr: values.lr,
      scheduler: values.scheduler,
      warmupRatio: values['warmup-ratio'],
      warmupSteps: values['warmup-steps'],
      weightDecay: values['weight-decay'],
      gradAccumSteps: values['grad-accum'],
      maxGradNorm: values['max-grad-norm'],
      maxSteps: values['max-steps'],
      negatives: values.negatives,
      evalSteps: values['eval-steps'],
      saveSteps: values['save-steps'],
      saveTotalLimit: values['save-total-limit'],
    };
    if (values.output !== undefined) {
      // before the data and the model are read: a bad output never costs a run
      const reads = [{ name: '--model', path: values.model }, { name: '--train', path: values.train }, { name: '--eval', path: values.eval }];
      checkRunFolder(values.output, { resume: values.resume, overwrite: values.overwrite, reads }, CLI_NAMES);
    } else if (values.overwrite) {
      throw new EmbedlabError('--overwrite applies to --output DIR; pass --output');
    }

    await startBackend(values.backend);

    const trainFiles: string[] = [];
    let train = await readRows(values.train, columns, trainFiles);
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
      const prompts = resolvePrompts(model, sharing);
      describeRunInCard(model, values.train, trainFiles, sharing);
      return await stoppableByCtrlC('finetune', async (signal) => {
        const evaluator = evalRows
          ? new InformationRetrievalEvaluator(buildIRSet(train, evalRows), {
              ...(dims && { dims }),
              ...(values.metric && { primaryMetric: values.metric }),
              ...evaluatorPrompts(prompts),
            })
          : undefined;
        const options: FinetuneOptions = {
          loss,
          ...trainingFlags,
          metricForBestModel: evaluator ? (values.metric ?? evaluator.primaryMetric) : undefined,
          seed,
          prompts: trainingPrompts(prompts),
          evaluator,
          evaluateBeforeTraining: evaluator !== undefined && !values.resume,
          outputDir: values.output,
          resume: values.resume,
          overwrite: values.overwrite,
          onWarning: (message) => console.error(`embedlab finetune: ${message}`),
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
        const result = await finetune(model, train, options).catch((error: unknown) => {
          // disk full / read-only mid-run: the last good checkpoint is kept; say how to continue
          if (error instanceof TrainingWriteError && error.lastCheckpoint) {
            throw new EmbedlabError(`${error.message}\nResume with:\n  ${resumeCommand('finetune', argv)}`, { cause: error });
          }
          throw error;
        });
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
        if (sharing.pushToHub && values.output) {
          await pushWithProgress(values.output, sharing.pushToHub, { private: sharing.private === true, signal }).catch((error: Error) => {
            throw new EmbedlabError(`${error.message}. The model is saved in ${values.output}; push it with: embedlab push ${values.output} ${sharing.pushToHub}`);
          });
        }
      });
    } finally {
      model.dispose();
    }
  },
};
