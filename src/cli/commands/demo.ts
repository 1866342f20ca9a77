import { join, resolve } from 'node:path';
import { saveReport, terminalProgress, type ProgressBar } from '../../../widgets';
import { checkRunFolder, TrainingWriteError } from '../../train/runFolder';
import { EmbedlabError } from '../../util/errors';
import { checkOutput, GENERATOR_FIELD } from '../../util/outputs';
import { writeFileAtomic } from '../../util/fs';
import { comparisonReport, comparisonSummary } from '../../workflow/comparisonReport';
import { runMatryoshkaComparison, type ComparisonOptions } from '../../workflow/matryoshkaComparison';
import type { Command } from '../command';
import { stoppableByCtrlC } from '../ctrlC';
import { initBackend } from '../../backend';
import { defineFlags, flagHelp, parseFlags } from '../flags';
import { parseShareFlags } from '../shareFlags';
import { resumeCommand } from '../resumeCommand';

const FLAGS = defineFlags('demo', {
  optional: [
    'model', 'dataset', 'dims', 'epochs', 'batch-size', 'lr', 'grad-accum', 'mini-batch-size', 'columns', 'scheduler', 'warmup-ratio',
    'seed', 'output', 'overwrite', 'resume', 'backend',
    'query-prompt', 'document-prompt', 'query-prompt-name', 'document-prompt-name', 'license', 'language', 'push-to-hub', 'private',
  ],
  help: {
    model: 'model folder or Hugging Face id (default: a StaticEmbedding model built offline)',
    dims: "Matryoshka dimensions (default 768,512,256,128,64 for a 768-wide model, else the width halved down to an eighth)",
    'mini-batch-size': 'GradCache mini-batch (default 8 for a transformer on wasm, else off; 0 turns it off)',
    output: 'folder for report.html, report.json, model/ and checkpoints/ (default runs/<timestamp>)',
    overwrite: 'write into an existing folder (nothing else in it is deleted; an earlier run there is started over)',
    resume: 'continue the run in --output from its newest checkpoint that loads',
  },
});

const HELP = `usage: embedlab demo [--model M] [--dataset D] [--dims 768,512,256,128,64]
                    [--epochs N] [--batch-size N] [--lr X] [--output DIR] [--overwrite] [--resume] [options]

Baseline → fine-tune with MatryoshkaLoss(MultipleNegativesRankingLoss) →
compare NDCG@10 at each embedding dimension. Writes report.html, report.json
and the fine-tuned model (model/) under --output (default runs/<timestamp>).

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

${flagHelp(FLAGS)}

--model and --dataset take hub ids or local paths. Data columns are detected
(question/context, anchor/positive, NeMo, FlagEmbedding …); name them with
--columns anchor=title,positive=body when they are not. Ctrl-C stops after the
current step, keeps the last checkpoint, and prints the command to resume.`;

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
}

export const command: Command = {
  summary: 'baseline vs fine-tuned NDCG@10 per Matryoshka dimension, with report.html',
  help: HELP,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    const sharing = parseShareFlags(values);
    const outDir = resolve(values.output ?? join('runs', timestamp()));
    // every output is checked before the baseline: a bad one never costs a run
    const reads = [{ name: '--model', path: values.model }, { name: '--dataset', path: values.dataset }];
    checkOutput({ path: outDir, kind: 'folder', name: '--output', reads, overwrite: values.overwrite, resume: values.resume });
    checkRunFolder(join(outDir, 'checkpoints'), { resume: values.resume, overwrite: values.overwrite, reads }, {
      output: '--output',
      resume: '--resume',
      overwrite: '--overwrite',
    });
    // started before any tensor; the workflow's first stage line names it
    await initBackend(values.backend);

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
      dims: values.dims,
      epochs: values.epochs,
      batchSize: values['batch-size'],
      lr: values.lr,
      gradAccumSteps: values['grad-accum'],
      columns: values.columns,
      miniBatchSize: values['mini-batch-size'],
      scheduler: values.scheduler,
      warmupRatio: values['warmup-ratio'],
      seed: values.seed,
      outputDir: outDir,
      resume: values.resume,
      overwrite: values.overwrite,
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

    const resumeArgs = values.output !== undefined ? argv : [...argv, '--output', outDir];
    return stoppableByCtrlC('demo', async (signal) => {
      const result = await runMatryoshkaComparison({ ...options, signal }).catch((error: unknown) => {
        // disk full / read-only mid-run: the last good checkpoint is kept; say how to continue
        if (error instanceof TrainingWriteError && error.lastCheckpoint) {
          throw new EmbedlabError(`${error.message}\nResume with:\n  ${resumeCommand('demo', resumeArgs)}`, { cause: error });
        }
        throw error;
      });
      trainBar?.finish();
      if (result.training.stopped) {
        const where = result.training.lastCheckpoint ?? join(outDir, 'checkpoints');
        process.stderr.write(`stopped at step ${result.training.globalStep}/${result.training.totalSteps}; checkpoint kept in ${where}\n`);
        process.stderr.write(`resume with: ${resumeCommand('demo', resumeArgs)}\n`);
        return 130;
      }
      const { settings, dataset, model, backend, timings, baseline, finetuned, training } = result;
      const json = {
        ...GENERATOR_FIELD,
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
      await saveReport(join(outDir, 'report.html'), comparisonReport(result), { overwrite: values.overwrite });
      console.log(comparisonSummary(result));
      console.log(`\nreport: ${join(outDir, 'report.html')}\nmetrics: ${join(outDir, 'report.json')}\nmodel: ${result.modelDir}${result.pushed ? `\npushed: ${result.pushed.url}` : ''}`);
      return 0;
    });
  },
};
