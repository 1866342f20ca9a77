import { initBackend } from '../../backend';
import { loadModel } from '../../models/loadModel';
import { distillStatic } from '../../models/static/distill';
import type { ZipfWeighting } from '../../models/static/weighting';
import { checkOutput } from '../../util/outputs';
import { readText } from '../../util/readText';
import { terminalProgress } from '../../../widgets';
import type { Command } from '../command';
import { defineFlags, flagHelp, parseFlags } from '../flags';

const FLAGS = defineFlags('distill', {
  required: ['model', 'output'],
  optional: ['pca-dims', 'zipf', 'sif-coefficient', 'vocabulary', 'token-remove-pattern', 'pooling', 'batch-size', 'overwrite'],
  help: { 'batch-size': 'tokens per forward pass (default 128)', output: 'the StaticEmbedding folder to write (new, empty, or written by embedlab)' },
});

const HELP = `usage: embedlab distill --model <dir|hub-id> --output <dir>
                        [--pca-dims 256|none] [--zipf sif|log|none] [--sif-coefficient 1e-4]
                        [--vocabulary words.txt] [--token-remove-pattern REGEX|none]
                        [--pooling mean|first] [--batch-size N] [--overwrite]

Distils a transformer into a StaticEmbedding model with model2vec's recipe:
every vocabulary token goes through the model on its own ([CLS] token [SEP])
and its hidden states are mean-pooled; PCA to --pca-dims (centred, largest
variance first); each row is weighted by its Zipf rank (SIF a / (a + p) by
default, model2vec's). Writes a sentence-transformers folder
(0_StaticEmbedding/, modules.json with Normalize) that Python's
SentenceTransformer(dir) loads, and that embedlab fine-tunes in seconds.

Options:
${flagHelp(FLAGS)}`;

export const command: Command = {
  summary: 'distil a transformer into a fast StaticEmbedding model (model2vec recipe)',
  help: HELP,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    // the output is checked before the first token goes through the model
    const output = checkOutput({ path: values.output, kind: 'folder', name: '--output', reads: [{ name: 'the model', path: values.model }], overwrite: values.overwrite });
    const vocabulary = values.vocabulary === undefined ? undefined : (await readText(values.vocabulary)).split(/\r?\n/).filter((w) => w.trim() !== '');

    const backend = await initBackend();
    process.stderr.write(`${backend.summary}\n`);
    const teacher = await loadModel(values.model);
    const bar = terminalProgress('distilling', { unit: 'tokens' });
    try {
      const fast = await distillStatic(teacher, {
        ...(vocabulary && { vocabulary }),
        pcaDims: values['pca-dims'] === undefined ? 256 : values['pca-dims'],
        zipf: (values.zipf ?? 'sif') as ZipfWeighting,
        pooling: values.pooling ?? 'mean',
        ...(values['sif-coefficient'] !== undefined && { sifCoefficient: values['sif-coefficient'] }),
        ...(values['token-remove-pattern'] !== undefined && { tokenRemovePattern: values['token-remove-pattern'] }),
        ...(values['batch-size'] !== undefined && { batchSize: values['batch-size'] }),
        onProgress: (done, total) => bar(done, total),
      });
      bar.finish();
      try {
        await fast.save(output);
        console.log(`${fast.input.describe()} → ${output}`);
      } finally {
        fast.dispose();
      }
    } finally {
      teacher.dispose();
    }
    return 0;
  },
};
