/**
 * The one flag table of the command line: every flag any command takes, with
 * its value, its check and its help line, so the same flag means the same
 * thing — and is checked the same way — in every command. A command picks the
 * flags it takes ({@link defineFlags}); {@link parseFlags} parses, checks and
 * types them; {@link flagHelp} writes the options part of `--help`.
 *
 * Old spellings keep working with a note on stderr (`--out` → `--output`,
 * `--matryoshka-dims` → `--dims`), and negative numbers parse as values
 * (`--batch-size -1` says "must be a positive integer").
 *
 * @example
 * const FLAGS = defineFlags('encode', { required: ['model', 'input', 'output'], optional: ['batch-size'] });
 * const values = parseFlags(argv, FLAGS);
 * values['batch-size'] ?? 32; // number | undefined, already checked
 */
import { parseArgs } from 'node:util';
import { parseBackendChoice, type BackendChoice } from '../backend';
import type { ColumnMapping } from '../data/rowFormats';
import { parseSamplingRange } from '../mining/range';
import { parseScheduler, type SchedulerName } from '../train/schedule';
import { EmbedlabError } from '../util/errors';
import { columnsOption, dimsOption, intOption, numberOption } from './options';

/** One flag: its value placeholder, its help line, and how its value is checked. */
interface Flag<T> {
  /** Placeholder in help (`N`, `FILE` …); absent for a switch (boolean flag). */
  value?: string;
  help: string;
  parse: (raw: string, flag: string) => T;
  /** Earlier spellings, still accepted with a note on stderr. */
  deprecated?: readonly string[];
}

const text = (value: string, help: string): Flag<string> => ({ value, help, parse: (raw) => raw });
const positiveInt = (value: string, help: string): Flag<number> => ({ value, help, parse: (raw, flag) => intOption(raw, flag, { min: 1 }) });
const switchFlag = (help: string): Flag<boolean> => ({ help, parse: () => true });
function oneOf<T extends string>(choices: readonly T[], help: string): Flag<T> {
  return {
    value: choices.join('|'),
    help,
    parse: (raw, flag) => {
      if (!(choices as readonly string[]).includes(raw)) throw new EmbedlabError(`${flag} "${raw}" is not one of: ${choices.join(', ')}`);
      return raw as T;
    },
  };
}

/** Every flag of every command. */
export const FLAGS = {
  // what to read
  model: text('M', 'model folder or Hugging Face id'),
  input: text('FILE', 'input file'),
  train: text('DATA', 'training data: a file (.jsonl .json .csv .tsv .parquet), folder or hub dataset id'),
  eval: text('DATA', 'held-out pairs: corpus = contexts of train + eval, queries = eval questions'),
  dataset: text('D', 'data file, folder or hub dataset id with (question, context)-style pairs (default: the built-in dataset)'),
  columns: {
    value: 'MAP',
    help: 'column names when they are not detected, e.g. anchor=title,positive=body (also negatives=col or col1+col2, score=col, id=col)',
    parse: (raw, flag) => columnsOption(raw, flag)!,
  } as Flag<ColumnMapping>,
  queries: text('FILE', 'BEIR queries.jsonl ({"_id", "text"}; any data file with _id/id + text)'),
  corpus: text('FILE', 'BEIR corpus.jsonl ({"_id", "title", "text"})'),
  qrels: text('FILE', 'BEIR qrels .tsv (query-id, corpus-id, score) or .json; score > 0 = relevant'),
  'query-embeddings': text('q.npy', 'precomputed float32 query embeddings (rows × dim) with q.ids beside it'),
  'corpus-embeddings': text('c.npy', 'precomputed float32 corpus embeddings with c.ids beside it'),
  'candidate-pool': text('FILE', 'JSON Lines of {"text": ...} to mine from'),
  field: text('NAME', '.jsonl input: the field holding the text (default "text")'),
  'id-field': text('NAME', '.jsonl input: the field holding the id (default "id"; all rows or none)'),

  // what to write
  output: { ...text('PATH', 'where the result goes'), deprecated: ['out'] } as Flag<string>,
  overwrite: switchFlag('replace an existing output / write into a folder holding other files (nothing is deleted; never an input)'),
  resume: switchFlag('continue the run in --output from its newest checkpoint that loads'),
  'save-embeddings': text('DIR', 'also write DIR/queries.{npy,ids} and DIR/docs.{npy,ids} (NeMo layout)'),
  json: switchFlag('print the metrics JSON instead of a table'),
  format: oneOf(['flag', 'st'] as const, 'output layout: FlagEmbedding {query, pos, neg} or sentence-transformers {anchor, positive, negative_1..n}'),

  // how to run
  backend: {
    value: 'gpu|node|wasm|cpu',
    help: 'TensorFlow.js backend (default: best available; EMBEDLAB_BACKEND also sets it)',
    parse: (raw, flag) => parseBackendChoice(raw, flag)!,
  } as Flag<BackendChoice>,
  'batch-size': positiveInt('N', 'texts (rows, when training) per batch'),
  'max-seq-length': positiveInt('N', "truncate texts to N tokens (default: the model's max_seq_length)"),
  seed: { value: 'N', help: 'random seed (default 42)', parse: (raw, flag) => intOption(raw, flag, { min: 0 }) } as Flag<number>,

  // encoding
  dims: {
    value: 'LIST',
    help: 'Matryoshka dimensions, largest first, e.g. 768,512,256,128,64',
    parse: (raw, flag) => dimsOption(raw, flag),
    deprecated: ['matryoshka-dims'],
  } as Flag<number[]>,
  'truncate-dim': positiveInt('N', 'Matryoshka: keep the first N dimensions, then re-normalise (when the model normalises)'),
  prompt: text('TEXT', 'a literal prompt prepended to every text'),
  'prompt-name': text('NAME', "a prompt from the model's config_sentence_transformers.json"),
  'query-prompt': text('TEXT', 'text before every query / anchor (e.g. "query: "); in training also saved as the model\'s "query" prompt'),
  'document-prompt': {
    ...text('TEXT', 'text before every document / positive / negative (e.g. "passage: "); in training also saved as the model\'s "document" prompt'),
    deprecated: ['corpus-prompt'],
  } as Flag<string>,
  'query-prompt-name': text('NAME', "use the model's own prompt NAME (config_sentence_transformers.json) for queries"),
  'document-prompt-name': text('NAME', "use the model's own prompt NAME for documents"),

  // evaluation
  similarity: oneOf(['cosine', 'dot'] as const, 'similarity function (default cosine)'),
  'corpus-chunk-size': positiveInt('N', 'documents scored at once (default 50000)'),
  engine: oneOf(['auto', 'onnx', 'tf', 'js'] as const, 'scoring engine (default auto)'),
  metric: text('NAME', "metric that picks the best model (default the evaluator's primary, e.g. dim_128_cosine_ndcg@10)"),
  'test-size': {
    value: 'X',
    help: 'no --eval: hold out this fraction (or row count) of the training data (seeded)',
    parse: (raw, flag) => numberOption(raw, flag, { above: 0, expected: 'a fraction in (0, 1) or a row count' }),
  } as Flag<number>,

  // training
  loss: oneOf(['mnrl', 'cached-mnrl', 'cosent', 'distill'] as const, 'mnrl (default), cached-mnrl (GradCache: big batches, small memory), cosent (scored pairs), distill (teacher scores)'),
  epochs: positiveInt('N', 'passes over the training data'),
  lr: { value: 'X', help: 'peak learning rate', parse: (raw, flag) => numberOption(raw, flag, { above: 0 }) } as Flag<number>,
  scheduler: {
    value: 'S',
    help: 'constant | constant_with_warmup | linear | cosine',
    parse: (raw, flag) => {
      try {
        return parseScheduler(raw);
      } catch (error) {
        throw new EmbedlabError(`${flag}: ${(error as Error).message}`);
      }
    },
  } as Flag<SchedulerName>,
  'warmup-ratio': { value: 'X', help: 'warm-up fraction of all steps (default 0)', parse: (raw, flag) => numberOption(raw, flag, { min: 0 }) } as Flag<number>,
  'warmup-steps': { value: 'N', help: 'warm-up steps (overrides the ratio)', parse: (raw, flag) => intOption(raw, flag, { min: 0 }) } as Flag<number>,
  'weight-decay': { value: 'X', help: 'AdamW decoupled weight decay (default 0)', parse: (raw, flag) => numberOption(raw, flag, { min: 0 }) } as Flag<number>,
  'grad-accum': positiveInt('N', 'batches per update. Does NOT add in-batch negatives; for a larger contrastive batch use GradCache with a larger --batch-size'),
  'mini-batch-size': {
    value: 'N',
    help: 'GradCache: texts per forward pass (same loss and gradients as the full batch, memory of a mini-batch)',
    parse: (raw, flag) => intOption(raw, flag, { min: 0 }),
  } as Flag<number>,
  'max-grad-norm': { value: 'X', help: 'clip the gradient norm (default 1; 0 disables)', parse: (raw, flag) => numberOption(raw, flag, { min: 0 }) } as Flag<number>,
  'max-steps': positiveInt('N', 'stop after N updates'),
  negatives: { value: 'N', help: 'use the first N hard negatives of each row', parse: (raw, flag) => intOption(raw, flag, { min: 0 }) } as Flag<number>,
  'eval-steps': positiveInt('N', 'also evaluate every N updates (always at each epoch end)'),
  'save-steps': positiveInt('N', 'also checkpoint every N updates (always at each epoch end)'),
  'save-total-limit': positiveInt('N', 'keep at most N checkpoints (never the best)'),
  temperature: { value: 'X', help: 'distill: student temperature (default 0.02)', parse: (raw, flag) => numberOption(raw, flag, { above: 0 }) } as Flag<number>,

  // mining
  range: {
    value: 'A-B',
    help: 'slice of the ranking to sample from, 0-based as in hn_mine: 2-200 = ranks 3..200 (default 2-200)',
    parse: (raw, flag) => {
      try {
        parseSamplingRange(raw);
      } catch (error) {
        throw new EmbedlabError(`${flag}: ${(error as Error).message}`);
      }
      return raw;
    },
  } as Flag<string>,
  'negative-number': positiveInt('N', 'negatives per query (default 15)'),
  'no-fill': switchFlag('do not fill up with random texts when a range has too few'),

  // distillation
  'pca-dims': {
    value: 'N|none',
    help: "PCA components (default 256; never more than the model's width; none keeps the pooled vectors)",
    parse: (raw, flag) => (raw === 'none' ? null : intOption(raw, flag, { min: 1 })!),
  } as Flag<number | null>,
  zipf: {
    value: 'sif|log|none',
    help: 'weight per token rank (default sif)',
    parse: (raw, flag) => {
      if (raw !== 'sif' && raw !== 'log' && raw !== 'none') throw new EmbedlabError(`${flag}: expected sif, log or none, got ${JSON.stringify(raw)}`);
      return raw;
    },
  } as Flag<'sif' | 'log' | 'none'>,
  'sif-coefficient': {
    value: 'A',
    help: 'the SIF a (default 1e-4)',
    parse: (raw, flag) => {
      const a = numberOption(raw, flag, { above: 0 })!;
      if (a >= 1) throw new EmbedlabError(`${flag}: must be below 1, got ${a}`);
      return a;
    },
  } as Flag<number>,
  vocabulary: text('FILE', 'extra words, one per line, added to the vocabulary'),
  'token-remove-pattern': {
    value: 'REGEX|none',
    help: 'tokens to leave out, matched at the start (default \\[unused\\d+\\]; none keeps all)',
    parse: (raw, flag) => {
      if (raw === 'none') return null;
      try {
        return new RegExp(raw, 'u');
      } catch (error) {
        throw new EmbedlabError(`${flag}: ${(error as Error).message}`);
      }
    },
  } as Flag<RegExp | null>,
  pooling: {
    value: 'mean|first',
    help: 'mean over all positions (default) or [CLS]',
    parse: (raw, flag) => {
      if (raw !== 'mean' && raw !== 'first') throw new EmbedlabError(`${flag}: expected mean or first, got ${JSON.stringify(raw)}`);
      return raw;
    },
  } as Flag<'mean' | 'first'>,

  // the model card and publishing
  license: text('ID', "license in the model card (default: the base model's, from its card)"),
  language: text('LIST', "language codes in the model card, e.g. en,de (default: from the base model's and the dataset's cards)"),
  'push-to-hub': text('REPO', 'push the fine-tuned model to the Hub repo owner/name (HF_TOKEN, HF_ENDPOINT); needs --output'),
  private: switchFlag('create the --push-to-hub repo private'),
} satisfies Record<string, Flag<unknown>>;

export type FlagName = keyof typeof FLAGS;
type ValueOf<K extends FlagName> = ReturnType<(typeof FLAGS)[K]['parse']>;

/** The flags one command takes. */
export interface CommandFlags<R extends FlagName, O extends FlagName> {
  command: string;
  required: readonly R[];
  optional: readonly O[];
  /** Help lines that say more for this command (defaults, what the output is). */
  help: Partial<Record<R | O, string>>;
}

/** Declares the flags of `command`: those it requires and those it accepts. */
export function defineFlags<R extends FlagName = never, O extends FlagName = never>(
  command: string,
  spec: { required?: readonly R[]; optional?: readonly O[]; help?: Partial<Record<R | O, string>> },
): CommandFlags<R, O> {
  return { command, required: spec.required ?? [], optional: spec.optional ?? [], help: spec.help ?? {} };
}

/** Parsed values: required flags present, optional ones possibly undefined, switches false when absent. */
export type FlagValues<R extends FlagName, O extends FlagName> = { [K in R]: ValueOf<K> } & { [K in O]: ValueOf<K> extends boolean ? boolean : ValueOf<K> | undefined };

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Rewrites old spellings to the current ones (with a note on stderr) and joins
 * a flag with a negative-number value (`--batch-size -1` → `--batch-size=-1`),
 * which Node's parser would otherwise call "ambiguous".
 */
function normalize(argv: readonly string[], names: readonly FlagName[], command: string): string[] {
  const aliases = new Map<string, FlagName>();
  for (const name of names) for (const old of (FLAGS[name] as Flag<unknown>).deprecated ?? []) aliases.set(old, name);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const match = /^--([^=]+)(=.*)?$/.exec(arg);
    if (!match) {
      out.push(arg);
      continue;
    }
    let name = match[1]!;
    const current = aliases.get(name);
    if (current) {
      process.stderr.write(`embedlab ${command}: --${name} is deprecated; use --${current}\n`);
      name = current;
      arg = `--${name}${match[2] ?? ''}`;
    }
    const flag = FLAGS[name as FlagName] as Flag<unknown> | undefined;
    const next = argv[i + 1];
    if (flag?.value !== undefined && match[2] === undefined && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * Parses `argv` against the command's flags: unknown flags, missing required
 * ones, missing values and bad values are one-line {@link EmbedlabError}s
 * naming the flag.
 */
export function parseFlags<R extends FlagName, O extends FlagName>(argv: readonly string[], spec: CommandFlags<R, O>): FlagValues<R, O> {
  const names = [...spec.required, ...spec.optional] as FlagName[];
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of names) options[name] = { type: (FLAGS[name] as Flag<unknown>).value === undefined ? 'boolean' : 'string' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: normalize(argv, names, spec.command), options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new EmbedlabError(parseErrorMessage(error as Error & { code?: string }, spec.command), { cause: error });
  }
  if (parsed.positionals.length > 0) {
    throw new EmbedlabError(`unexpected argument "${parsed.positionals[0]}"; every value follows its flag (see embedlab ${spec.command} --help)`);
  }
  for (const name of spec.required) {
    if (parsed.values[name] === undefined) throw new EmbedlabError(`--${name} is required (${(FLAGS[name] as Flag<unknown>).help}); see embedlab ${spec.command} --help`);
  }
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const raw = parsed.values[name];
    const flag = FLAGS[name] as Flag<unknown>;
    if (flag.value === undefined) values[name] = raw === true;
    else if (raw !== undefined) values[name] = flag.parse(raw as string, `--${name}`);
  }
  return values as FlagValues<R, O>;
}

function parseErrorMessage(error: Error & { code?: string }, command: string): string {
  const flag = /'(-[^'\s]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag ?? ''}; see embedlab ${command} --help`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return flag && /argument missing/.test(error.message)
        ? `${flag.replace(/ .*/, '')} needs a value; see embedlab ${command} --help`
        : `${error.message.split('\n')[0]}; see embedlab ${command} --help`;
    default:
      return error.message.split('\n')[0]!;
  }
}

/** The options part of a command's `--help`: one line per flag, from the table. */
export function flagHelp(spec: CommandFlags<FlagName, FlagName>): string {
  const names = [...spec.required, ...spec.optional];
  const lefts = names.map((name) => {
    const flag = FLAGS[name] as Flag<unknown>;
    return `--${name}${flag.value ? ` ${flag.value}` : ''}`;
  });
  const width = Math.min(28, Math.max(...lefts.map((l) => l.length)) + 2);
  return names
    .map((name, i) => {
      const flag = FLAGS[name] as Flag<unknown>;
      const help = (spec.help as Record<string, string | undefined>)[name] ?? flag.help;
      const old = flag.deprecated?.length ? ` (was ${flag.deprecated.map((d) => `--${d}`).join(', ')})` : '';
      const left = `  ${lefts[i]!}`;
      return (left.length >= width + 2 ? `${left}\n${' '.repeat(width + 2)}` : left.padEnd(width + 2)) + help + old;
    })
    .join('\n');
}
