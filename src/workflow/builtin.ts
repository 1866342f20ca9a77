import { join } from 'node:path';
import { PACKAGE_ROOT } from '../util/packageRoot';

/** The dataset the project generates and ships for offline use. */
export const BUILTIN_DATASET = join(PACKAGE_ROOT, 'datasets', 'fictional-10k-qa', 'pairs.jsonl');

/** The WordPiece tokenizer learned from that dataset, for the built-in static model. */
export const BUILTIN_TOKENIZER = join(PACKAGE_ROOT, 'datasets', 'fictional-10k-qa', 'tokenizer');
