import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../../backend';
import { loadModel } from '../../models/loadModel';
import { distillStatic } from '../../models/static/distill';
import type { ZipfWeighting } from '../../models/static/weighting';
import { EmbedlabError } from '../../util/errors';
import { readText } from '../../util/readText';
import { terminalProgress } from '../../../widgets';
import type { Command } from '../command';
import { intOption, numberOption } from '../options';

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
  --pca-dims N|none         PCA components (default 256; never more than the
                            model's width; none keeps the pooled vectors)
  --zipf sif|log|none       weight per token rank (default sif)
  --sif-coefficient A       the SIF a (default 1e-4)
  --vocabulary FILE         extra words, one per line, added to the vocabulary
  --token-remove-pattern R  tokens to leave out, matched at the start
                            (default \\[unused\\d+\\]; none keeps all)
  --pooling mean|first      mean over all positions (default) or [CLS]
  --batch-size N            tokens per forward pass (default 128)
  --overwrite               write into a non-empty --output folder`;

export const command: Command = {
  summary: 'distil a transformer into a fast StaticEmbedding model (model2vec recipe)',
  help: HELP,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        model: { type: 'string' },
        output: { type: 'string' },
        'pca-dims': { type: 'string' },
        zipf: { type: 'string' },
        'sif-coefficient': { type: 'string' },
        vocabulary: { type: 'string' },
        'token-remove-pattern': { type: 'string' },
        pooling: { type: 'string' },
        'batch-size': { type: 'string' },
        overwrite: { type: 'boolean', default: false },
      },
    });
    for (const name of ['model', 'output'] as const) {
      if (!values[name]) throw new EmbedlabError(`--${name} is required\n\n${HELP}`);
    }
    const output = resolve(values.output!);
    if (existsSync(resolve(values.model!)) && resolve(values.model!) === output) {
      throw new EmbedlabError(`--output ${values.output} is the model being read; choose another folder`);
    }
    if (existsSync(output) && readdirSync(output).length > 0 && !values.overwrite) {
      throw new EmbedlabError(`--output ${values.output} already exists and is not empty; pass --overwrite to write into it, or choose another folder`);
    }
    const pcaDims = values['pca-dims'] === 'none' ? null : intOption(values['pca-dims'], '--pca-dims', { min: 1 });
    const zipf = values.zipf ?? 'sif';
    if (!['sif', 'log', 'none'].includes(zipf)) throw new EmbedlabError(`--zipf: expected sif, log or none, got ${JSON.stringify(zipf)}`);
    const pooling = values.pooling ?? 'mean';
    if (pooling !== 'mean' && pooling !== 'first') throw new EmbedlabError(`--pooling: expected mean or first, got ${JSON.stringify(pooling)}`);
    const sifCoefficient = numberOption(values['sif-coefficient'], '--sif-coefficient', { above: 0 });
    if (sifCoefficient !== undefined && sifCoefficient >= 1) throw new EmbedlabError(`--sif-coefficient: must be below 1, got ${sifCoefficient}`);
    let tokenRemovePattern: RegExp | null | undefined;
    const patternText = values['token-remove-pattern'];
    if (patternText === 'none') tokenRemovePattern = null;
    else if (patternText !== undefined) {
      try {
        tokenRemovePattern = new RegExp(patternText, 'u');
      } catch (error) {
        throw new EmbedlabError(`--token-remove-pattern: ${(error as Error).message}`);
      }
    }
    const vocabulary = values.vocabulary === undefined ? undefined : (await readText(values.vocabulary)).split(/\r?\n/).filter((w) => w.trim() !== '');
    const batchSize = intOption(values['batch-size'], '--batch-size', { min: 1 });

    const backend = await initBackend();
    process.stderr.write(`${backend.summary}\n`);
    const teacher = await loadModel(values.model!);
    const bar = terminalProgress('distilling', { unit: 'tokens' });
    try {
      const fast = await distillStatic(teacher, {
        ...(vocabulary && { vocabulary }),
        pcaDims: pcaDims === undefined ? 256 : pcaDims,
        zipf: zipf as ZipfWeighting,
        pooling,
        ...(sifCoefficient !== undefined && { sifCoefficient }),
        ...(tokenRemovePattern !== undefined && { tokenRemovePattern }),
        ...(batchSize !== undefined && { batchSize }),
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
