import { extname } from 'node:path';
import { idsPathFor, writeEmbeddings } from '../../data/embeddings';
import { readJsonLines } from '../../data/jsonLines';
import { readText } from '../../util/readText';
import { loadModel } from '../../models/loadModel';
import { EmbedlabError, where } from '../../util/errors';
import { writeFileAtomic } from '../../util/fs';
import type { Matrix } from '../../util/matrix';
import { writeNpy } from '../../util/npy';
import { terminalProgress } from '../../../widgets';
import type { Command } from '../command';
import { startBackend } from '../backendLine';
import { defineFlags, flagHelp, parseFlags } from '../flags';
import { checkOutput } from '../../util/outputs';

const FLAGS = defineFlags('encode', {
  required: ['model', 'input', 'output'],
  optional: ['field', 'id-field', 'truncate-dim', 'batch-size', 'prompt-name', 'prompt', 'max-seq-length', 'overwrite', 'backend'],
  help: {
    input: 'texts: .txt (one per line) or .jsonl (one object per line, the text in --field)',
    output: '.npy (float32 [texts, dim]; <out>.ids beside it when rows have ids) or .jsonl ({"id"?, "embedding"})',
    'batch-size': 'texts per forward pass (default 32)',
    overwrite: 'replace an existing output file (never the input)',
  },
});

const HELP = `usage: embedlab encode --model <dir|hub-id> --input <texts.txt|rows.jsonl> --output <out.npy|out.jsonl> [options]

Embeds every text of the input with a sentence-transformers model and writes
the embeddings in input order.

Input:
  .txt     one text per line (a blank line is an empty text)
  .jsonl   one JSON object per line; the text is in --field (default "text"),
           the id in --id-field (default "id", optional — but all rows or none)

Output:
  .npy     float32 matrix [texts, dim]; when rows carry ids, <out>.ids beside
           it holds one id per line (row i ↔ line i)
  .jsonl   one {"id"?, "embedding": [...]} object per text

Options:
${flagHelp(FLAGS)}

Progress goes to stderr. EMBEDLAB_BACKEND picks the TensorFlow.js backend, as --backend does.`;

interface InputRows {
  texts: string[];
  ids: string[] | undefined;
}

export const command: Command = {
  summary: 'embed texts from a .txt/.jsonl file into .npy (+ .ids) or .jsonl',
  help: HELP,
  async run(argv) {
    const values = parseFlags(argv, FLAGS);
    const output = values.output;
    const outputKind = extname(output).toLowerCase();
    const batchSize = values['batch-size'] ?? 32;
    const truncateDim = values['truncate-dim'];
    const maxSeqLength = values['max-seq-length'];
    if (values.prompt !== undefined && values['prompt-name'] !== undefined) {
      throw new EmbedlabError('use --prompt or --prompt-name, not both');
    }
    const reads = [{ name: '--input', path: values.input }, { name: '--model', path: values.model }];
    checkOutput({ path: output, kind: 'file', name: '--output', reads, overwrite: values.overwrite });
    if (outputKind !== '.npy' && outputKind !== '.jsonl') {
      throw new EmbedlabError(`--output ${output}: use a .npy or .jsonl file name`);
    }
    if (outputKind === '.npy') {
      checkOutput({ path: idsPathFor(output), kind: 'file', name: '--output (its .ids file)', reads, overwrite: values.overwrite });
    }

    const rows = readInput(values.input, values.field ?? 'text', values['id-field'] ?? 'id');
    await startBackend(values.backend);
    const model = await loadModel(values.model, maxSeqLength !== undefined ? { maxSeqLength } : {});
    try {
      if (truncateDim !== undefined && truncateDim > model.dimension) {
        throw new EmbedlabError(`--truncate-dim ${truncateDim} is larger than the model's dimension ${model.dimension}`);
      }
      const progress = terminalProgress('encoding', { unit: 'texts' });
      const embeddings = await model.encode(rows.texts, {
        batchSize,
        ...(truncateDim !== undefined && { truncateDim }),
        ...(values.prompt !== undefined && { prompt: values.prompt }),
        ...(values['prompt-name'] !== undefined && { promptName: values['prompt-name'] }),
        onProgress: progress,
      });
      progress.finish();
      const written = await writeOutput(output, outputKind, embeddings, rows.ids);
      console.log(`wrote ${embeddings.rows}×${embeddings.cols} float32 embeddings to ${written.join(' and ')}`);
    } finally {
      model.dispose();
    }
  },
};

/** Texts (and ids, when the rows have them) from a .txt or .jsonl file. */
function readInput(path: string, field: string, idField: string): InputRows {
  const kind = extname(path).toLowerCase();
  if (kind === '.txt') {
    const lines = readText(path).replace(/^\uFEFF/, '').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return { texts: lines.map((line) => line.replace(/\r$/, '')), ids: undefined };
  }
  if (kind !== '.jsonl') throw new EmbedlabError(`--input ${path}: use a .txt (one text per line) or .jsonl file`);
  const records = readJsonLines(path);
  const texts: string[] = [];
  const ids: string[] = [];
  const withIds = records.length > 0 && idField in records[0]!;
  records.forEach((record, i) => {
    const text = record[field];
    if (typeof text !== 'string') {
      throw new EmbedlabError(`${where(path, i + 1, field)}: expected a string, got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
    }
    texts.push(text);
    const id = record[idField];
    if (withIds !== (id !== undefined)) {
      const why = withIds ? 'missing, but row 1 has an id' : 'present, but row 1 has no id';
      throw new EmbedlabError(`${where(path, i + 1, idField)}: ${why}; give ids on all rows or none`);
    }
    if (id !== undefined) {
      if (typeof id !== 'string' && typeof id !== 'number') throw new EmbedlabError(`${where(path, i + 1, idField)}: expected a string or number id`);
      if (/[\r\n]/.test(String(id))) throw new EmbedlabError(`${where(path, i + 1, idField)}: an id cannot contain a line break`);
      ids.push(String(id));
    }
  });
  return { texts, ids: withIds ? ids : undefined };
}

async function writeOutput(path: string, kind: string, embeddings: Matrix, ids: string[] | undefined): Promise<string[]> {
  if (kind === '.npy') {
    if (!ids) {
      writeNpy(path, embeddings);
      return [path];
    }
    const written = await writeEmbeddings(path, ids, embeddings);
    return [written.npy, written.ids];
  }
  const lines: string[] = [];
  for (let i = 0; i < embeddings.rows; i++) {
    const embedding = Array.from(embeddings.row(i));
    lines.push(JSON.stringify(ids ? { id: ids[i], embedding } : { embedding }));
  }
  await writeFileAtomic(path, lines.map((line) => line + '\n').join(''));
  return [path];
}
