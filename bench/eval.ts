/**
 * Retrieval-evaluation speed: 700 queries × 7,000 documents (the financial
 * RAG test split against its corpus), 768-d random embeddings, Matryoshka dims
 * 768/512/256/128/64, from precomputed embeddings.
 *
 *   npx tsc -p . && node dist/bench/eval.js [--engine onnx|tf|js|all] [--repeats 3]
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend';
import type { IRSet } from '../src/data/types';
import { evaluateEmbeddings } from '../src/eval';
import { Matrix } from '../src/util/matrix';
import { Random } from '../src/util/random';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { engine: { type: 'string', default: 'all' }, repeats: { type: 'string', default: '3' } },
  });
  const info = await initBackend();
  const nq = 700;
  const nc = 7000;
  const d = 768;
  const random = new Random(1);
  const corpus = new Matrix(Float32Array.from({ length: nc * d }, () => random.normal()), nc, d);
  const queries = new Matrix(new Float32Array(nq * d), nq, d);
  for (let i = 0; i < nq; i++) {
    // query i is a noisy copy of document 10·i, so the metrics are not trivial
    const doc = corpus.row(10 * i);
    queries.row(i).set(doc.map((x) => x + 1.5 * random.normal()));
  }
  const irSet: IRSet = {
    queries: new Map(Array.from({ length: nq }, (_, i) => [`q${i}`, ''])),
    corpus: new Map(Array.from({ length: nc }, (_, j) => [String(j), ''])),
    relevantDocs: new Map(Array.from({ length: nq }, (_, i) => [`q${i}`, new Set([String(10 * i)])])),
  };
  const dims = [768, 512, 256, 128, 64];
  const engines = values.engine === 'all' ? (['onnx', 'tf', 'js'] as const) : ([values.engine] as ('onnx' | 'tf' | 'js')[]);
  console.log(`${info.summary}\n${nq} queries × ${nc} docs, ${d}-d, dims ${dims.join('/')}`);
  for (const engine of engines) {
    const times: number[] = [];
    const cpu: number[] = [];
    let ndcg = 0;
    // one untimed run first, as bench/torch_bench.py does (one-time set-up: sessions, JIT, memory pools)
    await evaluateEmbeddings(queries, corpus, irSet, { dims, engine });
    for (let r = 0; r < Number(values.repeats); r++) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const result = await evaluateEmbeddings(queries, corpus, irSet, { dims, engine });
      times.push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1e6);
      ndcg = result.metrics['dim_64_cosine_ndcg@10']!;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    // CPU time next to wall time shows when other processes compete for the cores
    console.log(
      `engine ${engine}: median ${median(times).toFixed(3)} s wall (best ${Math.min(...times).toFixed(3)}), ${median(cpu).toFixed(3)} s cpu ` +
        `(runs ${times.map((t) => t.toFixed(3)).join(', ')}), dim_64 ndcg@10 ${ndcg.toFixed(4)}`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
