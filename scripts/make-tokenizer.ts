/**
 * Writes `datasets/fictional-10k-qa/tokenizer/`: a small lowercase WordPiece
 * tokenizer (BERT conventions) learned from the built-in dataset's text plus
 * a list of common English words, so the offline demo can build a model
 * without downloading anything.
 *
 * The vocabulary is learned the way Hugging Face's WordPiece trainer does it:
 * byte-pair merges over words split into a first character and `##`-prefixed
 * continuation characters, until the vocabulary reaches its size. Every
 * character of the alphabet is in the vocabulary, so dataset text never
 * becomes [UNK]. Deterministic: rerunning gives the same bytes.
 *
 *     npx tsc -p . && node dist/scripts/make-tokenizer.js
 */
import { join } from 'node:path';
import { writeFileAtomicSync } from '../src/util/fs';
import { DATASET_NAME, generatePairs } from './make-dataset';

export const VOCAB_SIZE = 4000;
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
const MAX_LENGTH = 512;

/** Common English words, so everyday queries tokenize into whole words too. */
const COMMON_ENGLISH = `
the of and to a in is it you that he was for on are with as i his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do
their time if will way about many then them write would like so these her long make thing see him two has
look more day could go come did number sound no most people my over know water than call first who may
down side been now find any new work part take get place made live where after back little only round man
year came show every good me give our under name very through just form sentence great think say help low
line differ turn cause much mean before move right boy old too same tell does set three want air well also
play small end put home read hand port large spell add even land here must big high such follow act why
ask men change went light kind off need house picture try us again animal point mother world near build
self earth father head stand own page should country found answer school grow study still learn plant
cover food sun four between state keep eye never last let thought city tree cross farm hard start might
story saw far sea draw left late run while press close night real life few north open seem together next
white children begin got walk example ease paper group always music those both mark often letter until
mile river car feet care second book carry took science eat room friend began idea fish mountain stop once
base hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red list
though feel talk bird soon body dog family direct pose leave song measure door product black short numeral
class wind question happen complete ship area half rock order fire south problem piece told knew pass since
top whole king space heard best hour better true during hundred five remember step early hold west ground
interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay
against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice
unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green oh quick develop ocean
warm free minute strong special mind behind clear tail produce fact street inch multiply nothing course stay
wheel full force blue object decide surface deep moon island foot system busy test record boat common gold
possible plane stead dry wonder laugh thousand ago ran check game shape equate miss brought heat snow tire
bring yes distant fill east paint language among company business market price cost sale sales profit loss
revenue income expense expenses tax taxes share shares stock bond bonds loan loans debt cash bank credit
rate rates growth quarter quarterly annual report reports financial fiscal budget capital asset assets
liability liabilities equity investor investors owner owners customer customers supplier suppliers
employee employees worker workers staff manager management board director directors officer officers
chief executive president plan plans strategy risk risks product products service services contract
contracts agreement lease leases property building buildings office offices factory factories plant plants
store stores online digital data software technology research development engineering design patent
patents law legal court lawsuit lawsuits claim claims government regulation regulations policy energy
climate carbon emission emissions environment environmental safety security cyber attack attacks breach
international foreign currency exchange dollar dollars euro percent million billion total net gross margin
average increase decrease higher lower rise fall grew declined compared prior previous current future
expect expected believe estimate estimates approximately about around nearly roughly per each value worth
`;

/** Typographic characters common in English text, so they do not become [UNK]. */
const EXTRA_CHARACTERS = ['\u2013', '\u2014', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2026', '\u20ac', '\u00a3', '\u00a5', '\u00b0', '\u00d7', '\u00a7', '\u00a9', '\u00ae', '\u2122'];

// ---------------------------------------------------------------- BERT normalisation and pre-tokenisation

/** BertNormalizer with lowercase (accents stripped, as BERT does when lowercasing), clean_text. */
export function bertNormalize(text: string): string {
  const cleaned = text.replace(/[\u0000\ufffd]|[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : '')).replace(/\s/g, ' ');
  return cleaned.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
}

const isPunctuation = (c: string): boolean => {
  const code = c.codePointAt(0)!;
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) return true;
  return /\p{P}/u.test(c);
};

/** BertPreTokenizer: split on whitespace, and every punctuation character is a word of its own. */
export function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.split(/\s+/)) {
    let current = '';
    for (const c of chunk) {
      if (isPunctuation(c)) {
        if (current) words.push(current);
        words.push(c);
        current = '';
      } else current += c;
    }
    if (current) words.push(current);
  }
  return words;
}

// ---------------------------------------------------------------- vocabulary learning

/**
 * Learns a WordPiece vocabulary from word counts: the alphabet (each character
 * as a word start and as `##` continuation), then byte-pair merges of the most
 * frequent adjacent pieces (ties broken alphabetically) until `size` tokens.
 */
export function learnWordPieceVocab(wordCounts: Map<string, number>, size: number): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS];
  const known = new Set<string>(vocab);
  const add = (token: string): void => {
    if (!known.has(token)) {
      known.add(token);
      vocab.push(token);
    }
  };
  const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => !/[A-Z]/.test(c));
  const corpusChars = new Set<string>();
  for (const word of wordCounts.keys()) for (const c of word) corpusChars.add(c);
  const alphabet = [...new Set([...printable, ...EXTRA_CHARACTERS, ...corpusChars])].sort();
  for (const c of alphabet) add(c);
  for (const c of alphabet) if (!isPunctuation(c)) add(`##${c}`);

  const words = [...wordCounts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([word, n]) => ({ pieces: [...word].map((c, i) => (i === 0 ? c : `##${c}`)), n }));
  const join = (a: string, b: string): string => a + b.slice(2);

  while (vocab.length < size) {
    const pairs = new Map<string, number>();
    for (const { pieces, n } of words) {
      for (let i = 0; i + 1 < pieces.length; i++) {
        const key = `${pieces[i]} ${pieces[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === undefined) break;
    const [left, right] = best.split(' ') as [string, string];
    const merged = join(left, right);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.pieces.length; i++) {
        if (i + 1 < word.pieces.length && word.pieces[i] === left && word.pieces[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(word.pieces[i]!);
      }
      word.pieces = out;
    }
    add(merged);
  }
  return vocab;
}

/** Word counts of the dataset text, plus the common English list (each counted a few times). */
export function trainingWordCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  const addText = (text: string, weight: number): void => {
    for (const word of bertPreTokenize(bertNormalize(text))) counts.set(word, (counts.get(word) ?? 0) + weight);
  };
  for (const pair of generatePairs()) {
    addText(pair.question, 1);
    addText(pair.context, 1);
  }
  addText(COMMON_ENGLISH, 3);
  return counts;
}

// ---------------------------------------------------------------- files

/** The four tokenizer files, as `name → text`. */
export function tokenizerFiles(vocab: readonly string[]): Map<string, string> {
  const id = (token: string): number => vocab.indexOf(token);
  const addedTokens = SPECIAL_TOKENS.map((content) => ({
    id: id(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const special = (name: string, typeId: number) => ({ SpecialToken: { id: name, type_id: typeId } });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]', 0)],
      pair: [
        special('[CLS]', 0),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]', 0),
        { Sequence: { id: 'B', type_id: 1 } },
        special('[SEP]', 1),
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((name) => [name, { id: name, ids: [id(name)], tokens: [name] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
    },
  };
  const tokenizerConfig = {
    added_tokens_decoder: Object.fromEntries(
      addedTokens.map(({ id: tokenId, ...rest }) => [String(tokenId), { content: rest.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
    ),
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    do_basic_tokenize: true,
    do_lower_case: true,
    mask_token: '[MASK]',
    model_max_length: MAX_LENGTH,
    never_split: null,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    strip_accents: null,
    tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]',
  };
  const specialTokensMap = { cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' };
  return new Map([
    ['tokenizer.json', JSON.stringify(tokenizerJson, null, 2) + '\n'],
    ['tokenizer_config.json', JSON.stringify(tokenizerConfig, null, 2) + '\n'],
    ['special_tokens_map.json', JSON.stringify(specialTokensMap, null, 2) + '\n'],
    ['vocab.txt', vocab.join('\n') + '\n'],
  ]);
}

/** Builds the tokenizer files from the dataset and the common word list. */
export function buildTokenizerFiles(): Map<string, string> {
  return tokenizerFiles(learnWordPieceVocab(trainingWordCounts(), VOCAB_SIZE));
}

function main(): void {
  const folder = join(__dirname, '..', '..', 'datasets', DATASET_NAME, 'tokenizer');
  const files = buildTokenizerFiles();
  for (const [name, text] of files) writeFileAtomicSync(join(folder, name), text);
  process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${folder}\n`);
}

if (require.main === module) main();
