/**
 * The `README.md` model card written beside a saved model, following
 * sentence-transformers' own `model_card_template.md` section by section and
 * its front matter field by field (`language`, `license`, `tags`,
 * `base_model`, `widget`, `datasets`, `pipeline_tag`, `library_name`,
 * `metrics`, `model-index`). Every value comes from the model and its run;
 * a field without a value is left out.
 */
import { stringify as toYaml } from 'yaml';
import type { CardDataset, CardEvaluation, ModelCardData } from './cardData';

/** What the card needs besides the card data. */
export interface ModelCardInfo {
  /** The module list as sentence-transformers prints the model (`str(model)`). */
  architecture: string;
  dimension: number;
  maxSeqLength: number;
  /** `cosine`, `dot`, … */
  similarityFnName: string;
  /** How to load the model in the usage snippets: its Hub id, else the folder it was saved to. */
  modelRef: string;
  /** The usage snippet's similarity matrix, as Python prints it (`# tensor([[…]])` lines). */
  similarities?: string;
  /** Software that wrote the model and the formats it follows, shown as "Framework Versions". */
  versions: Record<string, string>;
  data: ModelCardData;
}

const CITATIONS: Record<string, string> = {
  'Sentence Transformers': `@inproceedings{reimers-2019-sentence-bert,
    title = "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks",
    author = "Reimers, Nils and Gurevych, Iryna",
    booktitle = "Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing",
    month = "11",
    year = "2019",
    publisher = "Association for Computational Linguistics",
    url = "https://arxiv.org/abs/1908.10084",
}`,
  MatryoshkaLoss: `@misc{kusupati2024matryoshka,
    title={Matryoshka Representation Learning},
    author={Aditya Kusupati and Gantavya Bhatt and Aniket Rege and Matthew Wallingford and Aditya Sinha and Vivek Ramanujan and William Howard-Snyder and Kaifeng Chen and Sham Kakade and Prateek Jain and Ali Farhadi},
    year={2024},
    eprint={2205.13147},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`,
  MultipleNegativesRankingLoss: `@misc{henderson2017efficient,
    title={Efficient Natural Language Response Suggestion for Smart Reply},
    author={Matthew Henderson and Rami Al-Rfou and Brian Strope and Yun-hsuan Sung and Laszlo Lukacs and Ruiqi Guo and Sanjiv Kumar and Balint Miklos and Ray Kurzweil},
    year={2017},
    eprint={1705.00652},
    archivePrefix={arXiv},
    primaryClass={cs.CL}
}`,
  CachedMultipleNegativesRankingLoss: `@misc{gao2021scaling,
    title={Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup},
    author={Luyu Gao and Yunyi Zhang and Jiawei Han and Jamie Callan},
    year={2021},
    eprint={2101.06983},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`,
  CoSENTLoss: `@article{10531646,
    author={Huang, Xiang and Peng, Hao and Zou, Dongcheng and Liu, Zhiwei and Li, Jianxin and Liu, Kay and Wu, Jia and Su, Jianlin and Yu, Philip S.},
    journal={IEEE/ACM Transactions on Audio, Speech, and Language Processing},
    title={CoSENT: Consistent Sentence Embedding via Similarity Ranking},
    year={2024},
    doi={10.1109/TASLP.2024.3402087}
}`,
};

const SIMILARITY_NAMES: Record<string, string> = {
  cosine: 'Cosine Similarity',
  dot: 'Dot Product',
  euclidean: 'Euclidean Distance',
  manhattan: 'Manhattan Distance',
};

const TASK = 'semantic textual similarity, semantic search, paraphrase mining, text classification, clustering, and more';

/** Python's `str.title()`: a letter after a non-letter is upper-cased, the rest lower-cased. */
function pyTitle(text: string): string {
  return text.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

/** Python's `str(float)` for the values a card shows (`1.0`, `0.25`, `5e-05`). */
function pyNumber(value: number): string {
  if (Number.isInteger(value)) return `${value}.0`;
  const text = String(value);
  return /e-(\d)$/.test(text) ? text.replace(/e-(\d)$/, 'e-0$1') : text;
}

/** A value as Python's `repr` prints it in a hyper-parameter list or a module's config. */
function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyNumber(value);
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

/** `format_log`: floats rounded to 4 decimals. */
function formatLog(value: number | string): string {
  return typeof value === 'number' ? pyNumber(Math.round(value * 1e4) / 1e4) : value;
}

/** TrainingArguments fields that are floats in Python (printed `0.0`, `1.0`). */
const FLOAT_ARGUMENTS = new Set(['learning_rate', 'weight_decay', 'adam_beta1', 'adam_beta2', 'adam_epsilon', 'max_grad_norm', 'warmup_ratio']);

/** transformers' `make_markdown_table` (with sentence-transformers' left-aligned header line). */
export function markdownTable(rows: Record<string, string | number>[]): string {
  if (!rows.length) return '';
  const keys = Object.keys(rows[0]!);
  const cell = (v: string | number) => (typeof v === 'number' && !Number.isInteger(v) && String(v).split('.')[1]!.length > 4 ? v.toFixed(4) : String(v));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k] ?? '').length)));
  const line = (values: string[]) => values.map((v, i) => `| ${v}${' '.repeat(widths[i]! - v.length + 1)}`).join('') + '|\n';
  return line(keys) + widths.map((w) => `|:${'-'.repeat(w)}-`).join('') + '|\n' + rows.map((r) => line(keys.map((k) => cell(r[k] ?? '')))).join('');
}

const indent = (text: string, by = '  ') => text.split('\n').map((l) => (l ? by + l : l)).join('\n');
const jsonBlock = (value: unknown) => indent('```json\n' + JSON.stringify(value, null, 4) + '\n```');
const datasetLink = (d: CardDataset) => (d.id ? `[${d.name ?? d.id}](https://huggingface.co/datasets/${d.id})` : d.name!);
const listJoin = (items: string[]) => (items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0] ?? '');

/** `model-index` as huggingface_hub's `eval_results_to_model_index` writes it. */
export function modelIndex(modelName: string, evaluations: CardEvaluation[]): unknown[] {
  return [
    {
      name: modelName,
      results: evaluations.map((e) => ({
        task: { type: e.description.toLowerCase().replace(/ /g, '-'), name: e.description },
        dataset: { name: e.name ? e.name.replace(/[_-]/g, ' ') : 'Unknown', type: e.name || 'unknown' },
        metrics: Object.entries(e.metrics).map(([key, value]) => ({ type: key, value, name: pyTitle(key.replace(/_/g, ' ')) })),
      })),
    },
  ];
}

/** The front matter as an object, in the order sentence-transformers writes its fields. */
export function cardMetadata(info: ModelCardInfo): Record<string, unknown> {
  const d = info.data;
  const evaluations = [...d.evaluations.values()];
  const metricNames = [...new Set(evaluations.flatMap((e) => Object.keys(e.metrics)))];
  const fields: [string, unknown][] = [
    ['language', d.language.length ? d.language : undefined],
    ['license', d.license],
    ['tags', d.tags],
    ['base_model', d.baseModel],
    ['widget', d.widget.length ? d.widget : undefined],
    ['datasets', d.datasetIds.length ? d.datasetIds : undefined],
    ['pipeline_tag', 'sentence-similarity'],
    ['library_name', 'sentence-transformers'],
    ['metrics', metricNames.length ? metricNames : undefined],
    ['model-index', evaluations.length ? modelIndex(modelName(d), evaluations) : undefined],
  ];
  return Object.fromEntries(fields.filter(([, v]) => v !== undefined));
}

function modelName(d: ModelCardData): string {
  return d.modelName ?? (d.baseModel ? `SentenceTransformer based on ${d.baseModel}` : 'SentenceTransformer');
}

function intro(info: ModelCardInfo): string {
  const d = info.data;
  const named = d.trainDatasets.filter((ds) => ds.name);
  const on = named.length ? ` on the ${listJoin(named.map(datasetLink))} dataset${named.length > 1 ? 's' : ''}` : '';
  const from = d.baseModel ? ` finetuned from [${d.baseModel}](https://huggingface.co/${d.baseModel})` : ' trained';
  return `This is a [sentence-transformers](https://www.SBERT.net) model${from}${on}. It maps sentences & paragraphs to a ${info.dimension}-dimensional dense vector space and can be used for ${TASK}.`;
}

function details(info: ModelCardInfo): string {
  const d = info.data;
  const named = d.trainDatasets.filter((ds) => ds.name);
  const lines = [
    '- **Model Type:** Sentence Transformer',
    ...(d.baseModel ? [`- **Base model:** [${d.baseModel}](https://huggingface.co/${d.baseModel})`] : []),
    `- **Maximum Sequence Length:** ${Number.isFinite(info.maxSeqLength) ? info.maxSeqLength : 'unlimited'} tokens`,
    `- **Output Dimensionality:** ${info.dimension} dimensions`,
    `- **Similarity Function:** ${SIMILARITY_NAMES[info.similarityFnName] ?? pyTitle(info.similarityFnName.replace(/_/g, ' '))}`,
    ...(named.length ? [`- **Training Dataset${named.length > 1 ? 's' : ''}:**`, ...named.map((ds) => `    - ${datasetLink(ds)}`)] : []),
    ...(d.language.length ? [`- **Language${d.language.length > 1 ? 's' : ''}:** ${d.language.join(', ')}`] : []),
    ...(d.license ? [`- **License:** ${d.license}`] : []),
  ];
  return lines.join('\n');
}

function usage(info: ModelCardInfo): string {
  const d = info.data;
  const ref = JSON.stringify(info.modelRef);
  const example = d.predictExample;
  const dim = info.dimension;
  const py = (t: string) => JSON.stringify(t);
  let python: string;
  let ts: string;
  if (d.irModel && example && example.length > 1) {
    const docs = example.slice(1);
    python = [
      'from sentence_transformers import SentenceTransformer',
      '',
      '# Download from the 🤗 Hub',
      `model = SentenceTransformer(${ref})`,
      '# Run inference',
      'queries = [',
      `    ${py(example[0]!)},`,
      ']',
      'documents = [',
      ...docs.map((t) => `    ${py(t)},`),
      ']',
      'query_embeddings = model.encode_query(queries)',
      'document_embeddings = model.encode_document(documents)',
      'print(query_embeddings.shape, document_embeddings.shape)',
      `# [1, ${dim}] [${docs.length}, ${dim}]`,
      '',
      '# Get the similarity scores for the embeddings',
      'similarities = model.similarity(query_embeddings, document_embeddings)',
      ...(info.similarities ? ['print(similarities)', info.similarities] : ['print(similarities.shape)', `# [1, ${docs.length}]`]),
    ].join('\n');
    ts = [
      "import { loadModel } from 'embedlab';",
      '',
      `const model = await loadModel(${ref});`,
      `const queries = await model.encodeQuery([${py(example[0]!)}]);`,
      `const documents = await model.encodeDocument([`,
      ...docs.map((t) => `  ${py(t)},`),
      ']);',
      `console.log(queries.rows, queries.cols, documents.rows, documents.cols); // 1 ${dim} ${docs.length} ${dim}`,
    ].join('\n');
  } else {
    const texts = example ?? [];
    python = [
      'from sentence_transformers import SentenceTransformer',
      '',
      '# Download from the 🤗 Hub',
      `model = SentenceTransformer(${ref})`,
      '# Run inference',
      'sentences = [',
      ...texts.map((t) => `    ${py(t)},`),
      ']',
      'embeddings = model.encode(sentences)',
      'print(embeddings.shape)',
      `# [${texts.length}, ${dim}]`,
    ].join('\n');
    ts = [
      "import { loadModel } from 'embedlab';",
      '',
      `const model = await loadModel(${ref});`,
      `const embeddings = await model.encode([${texts.map(py).join(', ')}]);`,
      `console.log(embeddings.rows, embeddings.cols); // ${texts.length} ${dim}`,
    ].join('\n');
  }
  return [
    '## Usage',
    '',
    '### Direct Usage (Sentence Transformers)',
    '',
    'First install the Sentence Transformers library:',
    '',
    '```bash',
    'pip install -U sentence-transformers',
    '```',
    '',
    'Then you can load this model and run inference.',
    '```python',
    python,
    '```',
    '',
    '### Direct Usage (embedlab)',
    '',
    'In TypeScript (Node or a Jupyter notebook with the embedlab kernel):',
    '',
    '```ts',
    ts,
    '```',
  ].join('\n');
}

function evaluation(info: ModelCardInfo): string {
  const evaluations = [...info.data.evaluations.values()];
  if (!evaluations.length) return '';
  const parts = ['## Evaluation', '', '### Metrics'];
  for (const e of evaluations) {
    const cls = e.className.split('.').pop()!;
    const link = e.className.startsWith('sentence_transformers.')
      ? `[<code>${cls}</code>](https://sbert.net/docs/package_reference/sentence_transformer/evaluation.html#sentence_transformers.evaluation.${cls})`
      : `<code>${e.className}</code>`;
    const hasConfig = Object.keys(e.config).length > 0;
    const table = markdownTable(
      Object.entries(e.metrics).map(([key, value]) =>
        key === e.primaryMetric ? { Metric: `**${key}**`, Value: `**${formatLog(value)}**` } : { Metric: key, Value: formatLog(value) },
      ),
    );
    parts.push(
      '',
      `#### ${e.description}`,
      '',
      ...(e.name ? [`* Dataset: \`${e.name}\``] : []),
      `* Evaluated with ${link}${hasConfig ? ' with these parameters:' : ''}`,
      ...(hasConfig ? [jsonBlock(e.config)] : []),
      '',
      table.trimEnd(),
    );
  }
  return parts.join('\n');
}

function datasetSection(d: CardDataset, kind: 'training' | 'evaluation'): string {
  const columns = d.columns ?? [];
  const code = columns.map((c) => `<code>${c}</code>`);
  const columnText = code.length <= 2 ? code.join(' and ') : `${code.slice(0, -1).join(', ')}, and ${code.at(-1)}`;
  const lines = [`#### ${d.name ?? 'Unnamed Dataset'}`, ''];
  if (d.name) lines.push(`* Dataset: ${d.id ? `[${d.name}](https://huggingface.co/datasets/${d.id})` : d.name}${d.revision && d.id ? ` at [${d.revision.slice(0, 7)}](https://huggingface.co/datasets/${d.id}/tree/${d.revision})` : ''}`);
  if (d.size) lines.push(`* Size: ${d.size.toLocaleString('en-US')} ${kind} samples`);
  if (columns.length) lines.push(`* Columns: ${columnText}`);
  if (d.stats && d.size) {
    const stats = Object.entries(d.stats);
    const list = (data: Record<string, string>) => `<ul><li>${Object.entries(data).map(([k, v]) => `${k}: ${v}`).join('</li><li>')}</li></ul>`;
    lines.push(
      `* Approximate statistics based on the first ${Math.min(d.size, 1000)} samples:`,
      indent(markdownTable([
        { '': 'type', ...Object.fromEntries(stats.map(([c, s]) => [c, s.dtype])) },
        { '': 'details', ...Object.fromEntries(stats.map(([c, s]) => [c, list(s.data)])) },
      ])).trimEnd(),
    );
  }
  if (d.examples?.length) {
    const cell = (v: string | number) => {
      const text = typeof v === 'string' && v.length > 1000 ? `${v.slice(0, 1000)}...` : String(v);
      return `<code>${text.replace(/\n/g, '<br>').replace(/\|/g, '\\|')}</code>`;
    };
    lines.push('* Samples:', indent(markdownTable(d.examples.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cell(v)]))))).trimEnd());
  }
  if (d.loss) {
    const name = d.loss.name;
    lines.push(
      `* Loss: [<code>${name}</code>](https://sbert.net/docs/package_reference/sentence_transformer/losses.html#${name.toLowerCase()}) with these parameters:`,
      jsonBlock(d.loss.config),
    );
  }
  return lines.join('\n');
}

function training(info: ModelCardInfo): string {
  const d = info.data;
  const parts: string[] = ['## Training Details'];
  for (const [kind, list] of [['training', d.trainDatasets], ['evaluation', d.evalDatasets]] as const) {
    if (!list.length) continue;
    parts.push('', `### ${kind === 'training' ? 'Training' : 'Evaluation'} Dataset${list.length > 1 ? 's' : ''}`, '', list.map((ds) => datasetSection(ds, kind)).join('\n\n'));
  }
  if (Object.keys(d.allHyperparameters).length) {
    const show = (k: string, v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' && FLOAT_ARGUMENTS.has(k) ? pyNumber(v) : pyRepr(v));
    const list = (h: Record<string, unknown>) => Object.entries(h).map(([k, v]) => `- \`${k}\`: ${show(k, v)}`).join('\n');
    parts.push('', '### Training Hyperparameters');
    if (Object.keys(d.nonDefaultHyperparameters).length) parts.push('#### Non-Default Hyperparameters', '', list(d.nonDefaultHyperparameters), '');
    parts.push('#### All Hyperparameters', '<details><summary>Click to expand</summary>', '', list(d.allHyperparameters), '', '</details>');
  }
  if (d.trainingLogs.length) {
    const keys = [...new Set(d.trainingLogs.flatMap((r) => Object.keys(r)))];
    const rows = d.trainingLogs.map((row) =>
      Object.fromEntries(keys.map((k) => {
        const raw = row[k] ?? '-';
        // Epoch is a float in Python (0.0, 1.0); other numbers print as they are, long ones rounded by the table
        const value = typeof raw === 'number' && k === 'Epoch' ? formatLog(raw) : raw;
        const shown = k === 'Step' ? String(value) : formatLog(value);
        return [k, row['Step'] === d.bestModelStep ? `**${shown}**` : value];
      })),
    );
    const table = markdownTable(rows).trimEnd();
    const hide = rows.length > 100;
    parts.push('', '### Training Logs', ...(hide ? ['<details><summary>Click to expand</summary>', ''] : []), table);
    if (table.includes('**')) parts.push('', '* The bold row denotes the saved checkpoint.');
    if (hide) parts.push('</details>');
  }
  parts.push('', '### Framework Versions', ...Object.entries(info.versions).map(([k, v]) => `- ${k}: ${v}`));
  return parts.join('\n');
}

function citations(d: ModelCardData): string {
  // losses sharing a citation are listed together, as upstream does
  const byCitation = new Map<string, string[]>();
  for (const name of ['Sentence Transformers', ...d.losses]) {
    const citation = CITATIONS[name];
    if (!citation) continue;
    const names = byCitation.get(citation) ?? [];
    if (!names.includes(name)) names.push(name);
    byCitation.set(citation, names);
  }
  const parts = ['## Citation', '', '### BibTeX'];
  for (const [citation, names] of byCitation) parts.push('', `#### ${listJoin(names)}`, '```bibtex', citation, '```');
  return parts.join('\n');
}

/** The whole card: YAML front matter, then the Markdown body. */
export function modelCard(info: ModelCardInfo): string {
  const yaml = toYaml(cardMetadata(info), { indentSeq: false, lineWidth: 0 }).trimEnd();
  const body = [
    `# ${modelName(info.data)}`,
    '',
    intro(info),
    '',
    '## Model Details',
    '',
    '### Model Description',
    details(info),
    '',
    '### Model Sources',
    '',
    '- **Documentation:** [Sentence Transformers Documentation](https://sbert.net)',
    '- **Repository:** [Sentence Transformers on GitHub](https://github.com/huggingface/sentence-transformers)',
    '- **Hugging Face:** [Sentence Transformers on Hugging Face](https://huggingface.co/models?library=sentence-transformers)',
    '',
    '### Full Model Architecture',
    '',
    '```',
    info.architecture,
    '```',
    '',
    usage(info),
    ...(info.data.evaluations.size ? ['', evaluation(info)] : []),
    '',
    training(info),
    '',
    citations(info.data),
    '',
  ];
  return `---\n${yaml}\n---\n\n${body.join('\n')}`;
}

export { pyRepr };
