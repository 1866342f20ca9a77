/**
 * `embedlab evaluate --model` against `embedlab encode` on the same 2,000
 * texts (1,000 queries + 1,000 documents), side by side in one run: both
 * commands start the backend before the first tensor, so evaluating costs
 * encoding plus scoring, not a backend switch half-way. Reports each
 * command's wall time (median of `--repeats` alternating runs) and the ratio.
 *
 *   npx tsc -p . && node dist/bench/evaluateVsEncode.js [--repeats 3] [--backend wasm]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend';
import { createRandomBert } from '../src/models';
import { Random } from '../src/util/random';

const CLI = join(__dirname, '../src/cli/main.js');
const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed(args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(`embedlab ${args[0]} failed:\n${run.stderr}`);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeats: { type: 'string', default: '3' }, backend: { type: 'string', default: 'wasm' } } });
  const repeats = Number(values.repeats);
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'embedlab-bench-eval-'));
  const modelDir = join(dir, 'model');
  // a small BERT (2 layers, hidden 128): encoding dominates, as in a real evaluation
  const config = { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, max_position_embeddings: 128, vocab_size: 30522 };
  const model = createRandomBert(config, TOKENIZER, { seed: 1, pooler: false, maxSeqLength: 64 });
  await model.save(modelDir);
  model.dispose();

  const random = new Random(7);
  const words = 'revenue margin debt cash growth risk tax lease segment dividend inventory goodwill capital expense income asset'.split(' ');
  const sentence = (n: number) => Array.from({ length: n }, () => words[random.int(words.length)]).join(' ');
  const queries = Array.from({ length: 1000 }, (_, i) => ({ _id: `q${i}`, text: `what is the ${sentence(8)}?` }));
  const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: `d${i}`, text: sentence(24) }));
  writeFileSync(join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  writeFileSync(join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  writeFileSync(join(dir, 'qrels.tsv'), 'query-id\tcorpus-id\tscore\n' + queries.map((_, i) => `q${i}\td${i}\t1`).join('\n') + '\n');
  // the same 2,000 texts for encode, one per line
  writeFileSync(join(dir, 'texts.txt'), [...queries.map((q) => q.text), ...docs.map((d) => d.text)].join('\n') + '\n');

  const env = { ...process.env, EMBEDLAB_BACKEND: values.backend };
  const encodeTimes: number[] = [];
  const evaluateTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    encodeTimes.push(timed(['encode', '--model', modelDir, '--input', join(dir, 'texts.txt'), '--output', join(dir, `emb-${r}.npy`)], env));
    evaluateTimes.push(
      timed(['evaluate', '--model', modelDir, '--queries', join(dir, 'queries.jsonl'), '--corpus', join(dir, 'corpus.jsonl'), '--qrels', join(dir, 'qrels.tsv')], env),
    );
  }
  const encode = median(encodeTimes);
  const evaluate = median(evaluateTimes);
  console.log(
    JSON.stringify(
      {
        texts: 2000,
        backend: values.backend,
        encodeSeconds: encodeTimes.map((t) => +t.toFixed(2)),
        evaluateSeconds: evaluateTimes.map((t) => +t.toFixed(2)),
        medianEncode: +encode.toFixed(2),
        medianEvaluate: +evaluate.toFixed(2),
        ratio: +(evaluate / encode).toFixed(3),
      },
      null,
      2,
    ),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
