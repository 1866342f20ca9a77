import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { initBackend } from '../src/backend';
import { loadModel } from '../src/models';
import { createStaticModel } from '../src/models';
import { finetune } from '../src/train';
import { mnrl } from '../src/losses';
import { BERT_DEFAULTS } from '../src/models/bert/config';
import { Random } from '../src/util/random';
import { FakeHub, commitOf, filesOf, walk } from './fakeHub';

const CLI = join(__dirname, '../src/cli/main.js');
const TOKENIZER = join(__dirname, '../../../shared/models/all-MiniLM-L6-v2-config-and-tokenizer');
const GOLDEN_MODEL = join(__dirname, '../../../shared/golden/bert_forward');
const TOKEN = 'hf_cardTestSecret0123456789abcdefghij';
/** The front-matter fields sentence-transformers writes, in its order (model_card.py YAML_FIELDS, to_dict order). */
const ST_FIELDS = ['language', 'license', 'tags', 'base_model', 'widget', 'datasets', 'pipeline_tag', 'library_name', 'metrics', 'model-index'];
const IR_METRICS = ['accuracy@1', 'accuracy@3', 'accuracy@5', 'accuracy@10', 'precision@1', 'precision@3', 'precision@5', 'precision@10',
  'recall@1', 'recall@3', 'recall@5', 'recall@10', 'ndcg@10', 'mrr@10', 'map@100'].map((m) => `cosine_${m}`);

const tempRoot = mkdtempSync(join(tmpdir(), 'embedlab-card-'));
after(() => rmSync(tempRoot, { recursive: true, force: true }));

function frontMatter(readme: string): Record<string, unknown> {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(readme);
  assert.ok(match, 'the card starts with YAML front matter');
  return parseYaml(match[1]!) as Record<string, unknown>;
}

function qaRows(n: number, seed: number): { question: string; context: string }[] {
  const rng = new Random(seed);
  const topics = ['revenue', 'margin', 'debt', 'cash', 'growth', 'risk', 'tax', 'lease', 'segment', 'dividend', 'inventory', 'goodwill', 'pension', 'backlog'];
  return Array.from({ length: n }, (_, i) => {
    const a = topics[rng.int(topics.length)]!;
    const b = topics[rng.int(topics.length)]!;
    return { question: `what was the ${a} of company ${i}?`, context: `company ${i} reported its ${a} and ${b} for year ${2000 + (i % 23)}` };
  });
}

let baseDir = '';
before(async () => {
  await initBackend();
  baseDir = join(tempRoot, 'static-base');
  const model = createStaticModel(TOKENIZER, { dim: 32, seed: 7 });
  await model.save(baseDir);
  model.dispose();
  // the base model's own card and e5-style prompts, as a Hub repo has them
  writeFileSync(join(baseDir, 'README.md'), '---\nlicense: apache-2.0\nlanguage:\n- en\nlibrary_name: sentence-transformers\n---\n\n# static-base\n');
  const stConfigPath = join(baseDir, 'config_sentence_transformers.json');
  const stConfig = JSON.parse(readFileSync(stConfigPath, 'utf8'));
  writeFileSync(stConfigPath, JSON.stringify({ ...stConfig, prompts: { query: 'query: ', passage: 'passage: ' } }, null, 2));
});

function cli(args: string[], env: Record<string, string>, cwd = tempRoot): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HF_|HUGGING_FACE_)/.test(k)));
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...clean, HF_HOME: join(tempRoot, 'hf-home'), ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

test('card: a demo run fills every front-matter field from the run, model-index equals report.json, and the push round-trips', { timeout: 300_000 }, async () => {
  const hub = new FakeHub();
  await hub.start();
  hub.writeTokens.add(TOKEN);
  hub.add({ kind: 'model', id: 'acme/static-base', commit: commitOf('base'), files: filesOf(baseDir) });
  const data = qaRows(150, 3);
  hub.add({
    kind: 'dataset',
    id: 'acme/qa-pairs',
    commit: commitOf('qa'),
    files: [
      { path: 'README.md', bytes: Buffer.from('---\nlanguage:\n- en\nlicense: cc0-1.0\n---\n# qa pairs\n'), lfs: false },
      { path: 'train.jsonl', bytes: Buffer.from(data.map((r) => JSON.stringify(r)).join('\n') + '\n'), lfs: false },
    ],
  });
  const out = join(tempRoot, 'demo-run');
  try {
    const run = await cli(
      ['demo', '--model', 'acme/static-base', '--dataset', 'acme/qa-pairs', '--dims', '32,16', '--epochs', '2', '--batch-size', '16',
        '--grad-accum', '1', '--lr', '0.05', '--query-prompt-name', 'query', '--document-prompt-name', 'passage',
        '--push-to-hub', 'acme/static-finetuned', '--private', '--output', out],
      { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN },
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const readme = readFileSync(join(out, 'model', 'README.md'), 'utf8');
    const meta = frontMatter(readme);

    // PyYAML (what huggingface_hub reads cards with) parses it into the same data, when Python has it
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sys, re, json, yaml; t = sys.stdin.read(); print(json.dumps(yaml.safe_load(re.match(r"^---\\n(.*?)\\n---\\n", t, re.S).group(1))))'], { input: readme, encoding: 'utf8' });
    if (py.status === 0) assert.deepEqual(JSON.parse(py.stdout), meta);
    // every field sentence-transformers writes, in its order, none missing, nothing else
    assert.deepEqual(Object.keys(meta), ST_FIELDS);
    assert.equal(meta.base_model, 'acme/static-base');
    assert.deepEqual(meta.datasets, ['acme/qa-pairs']);
    assert.deepEqual(meta.language, ['en']);
    assert.equal(meta.license, 'apache-2.0', "the base model's license");
    assert.equal(meta.library_name, 'sentence-transformers');
    assert.equal(meta.pipeline_tag, 'sentence-similarity');
    assert.deepEqual(meta.tags, [
      'sentence-transformers', 'sentence-similarity', 'feature-extraction', 'dense', 'generated_from_trainer',
      `dataset_size:${report.dataset.train}`, 'loss:MatryoshkaLoss', 'loss:MultipleNegativesRankingLoss',
    ]);
    assert.deepEqual(meta.metrics, IR_METRICS);
    // widget examples come from the training data: a question and contexts
    const questions = new Set(data.map((r) => r.question));
    const contexts = new Set(data.map((r) => r.context));
    const widget = meta.widget as { source_sentence: string; sentences: string[] }[];
    assert.equal(widget.length, 5);
    for (const w of widget) {
      assert.ok(questions.has(w.source_sentence), w.source_sentence);
      assert.equal(w.sentences.length, 3);
      assert.ok(w.sentences.every((s) => contexts.has(s)));
    }
    // model-index: one result per Matryoshka dim, values exactly the fine-tuned metrics of report.json
    const index = meta['model-index'] as { name: string; results: { task: Record<string, string>; dataset: Record<string, string>; metrics: { type: string; value: number; name: string }[] }[] }[];
    assert.equal(index.length, 1);
    assert.equal(index[0]!.name, 'SentenceTransformer based on acme/static-base');
    assert.deepEqual(index[0]!.results.map((r) => r.dataset), report.settings.dims.map((d: number) => ({ name: `dim ${d}`, type: `dim_${d}` })));
    for (const [i, d] of (report.settings.dims as number[]).entries()) {
      const result = index[0]!.results[i]!;
      assert.deepEqual(result.task, { type: 'information-retrieval', name: 'Information Retrieval' });
      assert.deepEqual(result.metrics.map((m) => m.type), IR_METRICS);
      for (const m of result.metrics) assert.equal(m.value, report.metrics.finetuned[`dim_${d}_${m.type}`], `dim ${d} ${m.type}`);
      assert.equal(result.metrics.find((m) => m.type === 'cosine_ndcg@10')!.name, 'Cosine Ndcg@10');
    }

    // the body: sections of the template, values of the run
    for (const heading of ['## Model Details', '### Full Model Architecture', '## Usage', '## Evaluation', '## Training Details',
      '### Training Hyperparameters', '### Training Logs', '### Framework Versions', '## Citation']) {
      assert.ok(readme.includes(`\n${heading}\n`), heading);
    }
    assert.match(readme, /finetuned from \[acme\/static-base\]\(https:\/\/huggingface\.co\/acme\/static-base\) on the \[qa-pairs|acme\/qa-pairs/);
    assert.ok(readme.includes(`* Size: ${report.dataset.train.toLocaleString('en-US')} training samples`));
    assert.ok(readme.includes('SentenceTransformer("acme/static-finetuned")'), 'usage snippets load the pushed repo');
    assert.ok(readme.includes(`- \`learning_rate\`: 0.05`));
    assert.ok(readme.includes('"query_prompt": "query: "') && readme.includes('"corpus_prompt": "passage: "'), 'evaluation used the prompts');
    assert.ok(readme.includes("EmbeddingBag(30522, 32, mode='mean')"));
    const logs = readme.split('### Training Logs\n')[1]!.split('\n\n')[0]!.split('\n').slice(2);
    assert.equal(logs.length, report.training.history.evals.length, 'one log row per evaluation');
    assert.equal(logs.filter((l) => l.includes('**')).length, 1);
    assert.ok(logs.find((l) => l.includes('**'))!.includes(`**${report.training.bestStep}**`), 'the bold row is the kept step');
    assert.match(readme, /#### MatryoshkaLoss\n```bibtex\n@misc\{kusupati2024matryoshka/);

    // prompts: used in training, saved with the model under the names encode_query / encode_document use
    assert.deepEqual(report.prompts, { query: 'query: ', document: 'passage: ' });
    const stConfig = JSON.parse(readFileSync(join(out, 'model', 'config_sentence_transformers.json'), 'utf8'));
    assert.deepEqual(stConfig.prompts, { query: 'query: ', passage: 'passage: ', document: 'passage: ' });
    assert.deepEqual(Object.keys(stConfig.__version__), ['sentence_transformers', 'transformers', 'pytorch', 'embedlab']);
    assert.equal(stConfig.__version__.embedlab, JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version);

    // pushed byte for byte, privately, and the token is nowhere
    const repo = hub.repos.get('model:acme/static-finetuned')!;
    assert.equal(repo.private, true);
    const local = walk(join(out, 'model')).filter(([p]) => !p.startsWith('.')); // hidden files (the output marker) are not pushed
    assert.deepEqual(repo.files.map((f) => f.path).sort(), local.map(([p]) => p).sort());
    for (const [path, bytes] of local) assert.ok(repo.files.find((f) => f.path === path)!.bytes.equals(bytes), path);
    assert.equal(report.pushed.url, `${hub.endpoint}/acme/static-finetuned`);
    assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN));
    for (const [path, bytes] of walk(out)) assert.ok(!bytes.includes(TOKEN), path);
  } finally {
    await hub.stop();
  }
});

test('card: training prompts change what the model sees exactly as prefixing the texts does', async () => {
  const rows = qaRows(48, 5).map((r, i) => ({ id: String(i), anchor: r.question, positive: r.context, negatives: [] as string[] }));
  const prefixed = rows.map((r) => ({ ...r, anchor: `query: ${r.anchor}`, positive: `passage: ${r.positive}` }));
  const losses: number[][] = [];
  for (const [data, prompts] of [[rows, { anchor: 'query: ', positive: 'passage: ' }], [prefixed, undefined], [rows, undefined]] as const) {
    const model = createStaticModel(TOKENIZER, { dim: 16, seed: 2 });
    const run = await finetune(model, data, { loss: mnrl(), epochs: 1, batchSize: 16, lr: 0.05, ...(prompts && { prompts }) });
    losses.push(run.history.steps.map((s) => s.loss));
    if (prompts) assert.deepEqual((model as unknown as { prompts: object }).prompts, { query: 'query: ', document: 'passage: ' });
    model.dispose();
  }
  assert.deepEqual(losses[0], losses[1], 'prompts = the same texts prefixed');
  assert.notDeepEqual(losses[0], losses[2], 'and they do change training');
  const model = createStaticModel(TOKENIZER, { dim: 16, seed: 2 });
  await assert.rejects(finetune(model, rows, { epochs: 1, prompts: { question: 'q: ' } }), /prompts names column "question", which the training data does not have \(columns: anchor, positive\)/);
  model.dispose();
});

test('card: config.json gains model_type and the fields transformers needs; sentence_bert_config.json keeps its arguments', async () => {
  const dir = join(tempRoot, 'arch-only');
  cpSync(GOLDEN_MODEL, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  delete config.model_type;
  for (const key of ['type_vocab_size', 'hidden_act', 'layer_norm_eps']) delete config[key];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const sbert = JSON.parse(readFileSync(join(dir, 'sentence_bert_config.json'), 'utf8'));
  const args = { model_args: { attn_implementation: 'eager' }, tokenizer_args: { model_max_length: 64 }, config_args: { output_hidden_states: false } };
  writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify({ ...sbert, ...args }));
  writeFileSync(join(dir, 'README.md'), '---\nlicense: mit\nlanguage: en\n---\n');
  const model = await loadModel(dir);
  const saved = join(tempRoot, 'arch-only-saved');
  await model.save(saved);
  model.dispose();
  const written = JSON.parse(readFileSync(join(saved, 'config.json'), 'utf8'));
  assert.equal(written.model_type, 'bert');
  assert.deepEqual(written.architectures, ['BertModel']);
  for (const [key, value] of Object.entries(BERT_DEFAULTS)) assert.deepEqual(written[key], config[key] ?? value, key);
  for (const [key, value] of Object.entries(config)) if (key !== 'torch_dtype' && key !== 'dtype') assert.deepEqual(written[key], value, key);
  assert.ok(typeof written.transformers_version === 'string');
  const writtenSbert = JSON.parse(readFileSync(join(saved, 'sentence_bert_config.json'), 'utf8'));
  assert.deepEqual({ model_args: writtenSbert.model_args, tokenizer_args: writtenSbert.tokenizer_args, config_args: writtenSbert.config_args }, args);
  // a local folder's card gives license and language; with no hub id known, base_model is left out
  const meta = frontMatter(readFileSync(join(saved, 'README.md'), 'utf8'));
  assert.equal(meta.license, 'mit');
  assert.deepEqual(meta.language, ['en']);
  assert.ok(!('base_model' in meta));
  // reloading the saved folder works and round-trips the config
  const again = await loadModel(saved);
  again.dispose();
});

test('card: a folder from the Hugging Face cache names its repo as base model', async () => {
  const dir = join(tempRoot, 'cache', 'models--acme--cached-bert', 'snapshots', commitOf('c'));
  cpSync(GOLDEN_MODEL, dir, { recursive: true });
  const model = await loadModel(dir);
  assert.equal(model.cardData.baseModel, 'acme/cached-bert');
  model.dispose();
});

test('card: bad prompt, license, language and push flags are one line, exit 2, and write nothing', async () => {
  const out = join(tempRoot, 'never');
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['demo', '--query-prompt', 'q: ', '--query-prompt-name', 'query'], {}, /pass --query-prompt or --query-prompt-name, not both/],
    [['demo', '--document-prompt', ''], {}, /--document-prompt is empty/],
    [['demo', '--license', 'Apache 2'], {}, /--license "Apache 2" is not a license id/],
    [['demo', '--language', 'en,English'], {}, /--language "English" is not a language code/],
    [['demo', '--private'], {}, /--private applies to --push-to-hub/],
    [['demo', '--push-to-hub', 'just-a-name'], { HF_TOKEN: TOKEN }, /"just-a-name" is not a Hugging Face repo id to push to/],
    [['demo', '--push-to-hub', 'acme/x'], {}, /pushing needs a Hugging Face access token with write access: set HF_TOKEN/],
    [['finetune', '--model', baseDir, '--train', 'x.jsonl', '--push-to-hub', 'acme/x'], { HF_TOKEN: TOKEN }, /--push-to-hub pushes the model saved in --output DIR; pass --output/],
  ];
  const dataFile = join(tempRoot, 'qa.jsonl');
  writeFileSync(dataFile, qaRows(40, 1).map((r) => JSON.stringify(r)).join('\n') + '\n');
  for (const [args, env, message] of cases) {
    const run = await cli([...args, ...(args[0] === 'demo' ? ['--output', out] : [])], { HF_HUB_OFFLINE: '1', ...env });
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, message);
  }
  // a prompt name the model does not have is found once the model is loaded, before any training or writing
  const run = await cli(['demo', '--model', baseDir, '--dataset', dataFile, '--query-prompt-name', 'nope', '--output', out], { HF_HUB_OFFLINE: '1' });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr.trim().split('\n').at(-1)!, /^embedlab demo: query prompt name "nope" is not one of the model's prompts \(query, passage\)$/);
  assert.deepEqual(walk(out), [], 'nothing was written');
});
