import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { saveReport, terminalProgress, type ProgressBar } from '../../../widgets';
import { parseScheduler } from '../../train/schedule';
import { EmbedlabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import { comparisonReport, comparisonSummary } from '../../workflow/comparisonReport';
import { runMatryoshkaComparison, type ComparisonOptions } from '../../workflow/matryoshkaComparison';
import type { Command } from '../command';
import { stoppableByCtrlC } from '../ctrlC';
import { dimsOption, intOption, numberOption, columnsOption } from '../options';
import { SHARE_FLAGS, SHARE_HELP, parseShareFlags } from '../shareFlags';
import { resumeCommand } from '../resumeCommand';

const HELP = `usage: embedlab demo [--model M] [--dataset D] [--dims 768,512,256,128,64]
                    [--epochs N] [--batch-size N] [--lr X] [--grad-accum N] [--mini-batch-size N]
                    [--columns anchor=COL,positive=COL]
                    [--scheduler cosine|linear|constant] [--warmup-ratio X]
                    [--seed N] [--out DIR] [--overwrite] [--resume]
                    [--query-prompt TEXT] [--document-prompt TEXT] [--license ID] [--language LIST]
                    [--push-to-hub REPO [--private]]

Baseline → fine-tune with MatryoshkaLoss(MultipleNegativesRankingLoss) →
compare NDCG@10 at each embedding dimension. Writes report.html, report.json
and the fine-tuned model (model/) under --out (default runs/<timestamp>).

With nothing given it runs offline on the built-in default: the bundled
pretrained model (models/glove-100d, a StaticEmbedding of GloVe word vectors)
fine-tuned on the bundled fictional-10k-qa dataset (about a minute on 2 CPU
cores). --model random:256 starts from a random-init StaticEmbedding over the
bundled WordPiece tokenizer instead (random:DIM:TOKENIZER_DIR over another).

The reference workflow ("Fine-tune Embedding models for RAG"):
  embedlab demo --model BAAI/bge-base-en-v1.5 \\
    --dataset philschmid/finanical-rag-embedding-dataset \\
    --dims 768,512,256,128,64 --epochs 4 --batch-size 32 --lr 2e-5

On the wasm backend a transformer trains through GradCache when a batch does
not fit the 4 GiB heap, with the mini-batch chosen from a memory budget (same
loss and gradients); --mini-batch-size sets it, 0 turns it off.

--model and --dataset take hub ids or local paths. Data columns are detected
(question/context, anchor/positive, NeMo, FlagEmbedding …); name them with
--columns anchor=title,positive=body when they are not. Ctrl-C stops after the
current step, keeps the last checkpoint, and prints the command to resume.

${SHARE_HELP}`;

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
}

/** Refuses an output folder with files in it unless overwriting or resuming; never deletes anything. */
function checkOutDir(outDir: string, overwrite: boolean, resume: boolean): void {
  if (!existsSync(outDir)) {
    if (resume) throw new EmbedlabError(`--resume: ${outDir} does not exist; nothing to resume`);
    return;
  }
  if (resume || overwrite) return;
  if (readdirSync(outDir).length > 0) {
    throw new EmbedlabError(`output folder ${outDir} already exists and is not empty; pass --overwrite to write into it, --resume to continue its run, or choose another --out`);
  }
}

export const command: Command = {
  summary: 'baseline vs fine-tuned NDCG@10 per Matryoshka dimension, with report.html',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        dataset: { type: 'string' },
        dims: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        'grad-accum': { type: 'string' },
        'mini-batch-size': { type: 'string' },
        columns: { type: 'string' },
        scheduler: { type: 'string' },
        'warmup-ratio': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        resume: { type: 'boolean', default: false },
        ...SHARE_FLAGS,
      },
    });
    const sharing = parseShareFlags(values);
    const outDir = resolve(values.out ?? join('runs', timestamp()));
    checkOutDir(outDir, values.overwrite!, values.resume!);

    let trainBar: ProgressBar | undefined;
    const encodeBars = new Map<string, ProgressBar>();
    let pushBar: ProgressBar | undefined;
    const options: Omit<ComparisonOptions, 'signal'> = {
      ...sharing,
      onPushProgress: (p) => {
        if (p.phase !== 'uploading' && p.phase !== 'done') return;
        pushBar ??= terminalProgress(`pushing to ${sharing.pushToHub}`, { unit: 'bytes' });
        pushBar(p.uploaded, p.total);
        if (p.phase === 'done') pushBar.finish();
      },
      model: values.model,
      dataset: values.dataset,
      dims: dimsOption(values.dims, '--dims'),
      epochs: intOption(values.epochs, '--epochs', { min: 1 }),
      batchSize: intOption(values['batch-size'], '--batch-size', { min: 1 }),
      lr: numberOption(values.lr, '--lr', { above: 0 }),
      gradAccumSteps: intOption(values['grad-accum'], '--grad-accum', { min: 1 }),
      columns: columnsOption(values.columns, '--columns'),
      miniBatchSize: intOption(values['mini-batch-size'], '--mini-batch-size', { min: 0 }),
      scheduler: values.scheduler === undefined ? undefined : parseScheduler(values.scheduler),
      warmupRatio: numberOption(values['warmup-ratio'], '--warmup-ratio', { min: 0 }),
      seed: intOption(values.seed, '--seed'),
      outputDir: outDir,
      resume: values.resume,
      onStage: (message) => {
        trainBar?.finish();
        trainBar = undefined;
        process.stderr.write(`${message}\n`);
      },
      onEvaluate: (_record, message) => process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${message}\n`),
      onEncodeProgress: (label, done, total) => {
        let bar = encodeBars.get(label);
        if (!bar) encodeBars.set(label, (bar = terminalProgress(`encoding (${label})`, { unit: 'texts' })));
        bar(done, total);
        if (done >= total) bar.finish();
      },
      onTrainProgress: (info) => {
        trainBar ??= terminalProgress('fine-tuning', { unit: 'steps' });
        trainBar(info);
      },
    };

    return stoppableByCtrlC('demo', async (signal) => {
      const result = await runMatryoshkaComparison({ ...options, signal });
      trainBar?.finish();
      if (result.training.stopped) {
        const where = result.training.lastCheckpoint ?? join(outDir, 'checkpoints');
        process.stderr.write(`stopped at step ${result.training.globalStep}/${result.training.totalSteps}; checkpoint kept in ${where}\n`);
        process.stderr.write(`resume with: ${resumeCommand('demo', values.out ? argv : [...argv, '--out', outDir])}\n`);
        return 130;
      }
      const { settings, dataset, model, backend, timings, baseline, finetuned, training } = result;
      const json = {
        model, dataset, settings,
        backend: { choice: backend.choice, summary: backend.summary },
        metrics: { baseline, finetuned },
        training: { ...training, history: training.history },
        timings,
        modelDir: result.modelDir,
        prompts: result.prompts,
        ...(result.pushed && { pushed: { repo: result.pushed.repoId, url: result.pushed.url, commit: result.pushed.commit } }),
      };
      await writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(json, null, 2) + '\n');
      await saveReport(join(outDir, 'report.html'), comparisonReport(result));
      console.log(comparisonSummary(result));
      console.log(`\nreport: ${join(outDir, 'report.html')}\nmetrics: ${join(outDir, 'report.json')}\nmodel: ${result.modelDir}${result.pushed ? `\npushed: ${result.pushed.url}` : ''}`);
      return 0;
    });
  },
};
