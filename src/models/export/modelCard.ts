/** The `README.md` model card written beside a saved model. */
export interface ModelCardInfo {
  architecture: string;
  dimension: number;
  maxSeqLength: number;
  pooling: string;
  normalize: boolean;
  baseModel?: string;
  prompts: Record<string, string>;
}

/** A Hugging Face model card (YAML front matter + Markdown) for a sentence-transformers model. */
export function modelCard(info: ModelCardInfo): string {
  const front = [
    '---',
    'library_name: sentence-transformers',
    'pipeline_tag: sentence-similarity',
    'tags:',
    '- sentence-transformers',
    '- sentence-similarity',
    '- feature-extraction',
    '- embedlab',
    ...(info.baseModel ? [`base_model: ${info.baseModel}`] : []),
    '---',
  ];
  const prompts = Object.entries(info.prompts);
  const lines = [
    ...front,
    '',
    '# Sentence embedding model',
    '',
    `Saved by embedlab${info.baseModel ? ` from \`${info.baseModel}\`` : ''}. It loads unchanged in sentence-transformers.`,
    '',
    '## Model details',
    '',
    `- Architecture: ${info.architecture}`,
    `- Output dimension: ${info.dimension}`,
    `- Maximum sequence length: ${Number.isFinite(info.maxSeqLength) ? `${info.maxSeqLength} tokens` : 'unlimited'}`,
    `- Pooling: ${info.pooling}`,
    `- Normalised embeddings: ${info.normalize ? 'yes (cosine similarity = dot product)' : 'no'}`,
    ...(prompts.length ? [`- Prompts: ${prompts.map(([name, text]) => `\`${name}\` → ${JSON.stringify(text)}`).join(', ')}`] : []),
    '',
    '## Usage (Python)',
    '',
    '```python',
    'from sentence_transformers import SentenceTransformer',
    '',
    'model = SentenceTransformer("path/to/this/folder")',
    'embeddings = model.encode(["The weather is lovely today.", "It is sunny outside."])',
    'print(model.similarity(embeddings, embeddings))',
    '```',
    '',
    '## Usage (TypeScript, embedlab)',
    '',
    '```ts',
    "import { loadModel } from 'embedlab';",
    '',
    "const model = await loadModel('path/to/this/folder');",
    "const embeddings = await model.encode(['The weather is lovely today.', 'It is sunny outside.']);",
    '```',
    '',
  ];
  return lines.join('\n');
}
