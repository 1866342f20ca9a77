/**
 * The encoder architectures the `Transformer` module runs, picked by
 * config.json's `model_type` (or, when it is absent, the `architectures`
 * class names). A new architecture is one folder with an {@link Architecture}
 * and one entry here.
 */
import { EmbedlabError } from '../../util/errors';
import { bertArchitecture } from '../bert/architecture';
import { distilBertArchitecture } from '../distilbert/architecture';
import { modernBertArchitecture } from '../modernbert/architecture';
import { mpnetArchitecture } from '../mpnet/architecture';
import { robertaArchitecture, xlmRobertaArchitecture } from '../xlmRoberta/architecture';
import type { Architecture, EncoderConfig } from './encoder';

export const ARCHITECTURES: readonly Architecture<EncoderConfig>[] = [
  bertArchitecture,
  xlmRobertaArchitecture,
  robertaArchitecture,
  distilBertArchitecture,
  mpnetArchitecture,
  modernBertArchitecture,
] as Architecture<EncoderConfig>[];

/** The architecture of config.json object `raw` (read from `source`); an unknown one is an error listing the supported ones. */
export function architectureFor(raw: Record<string, unknown>, source: string): Architecture<EncoderConfig> {
  const classes = Array.isArray(raw.architectures) ? raw.architectures.filter((a): a is string => typeof a === 'string') : [];
  const found =
    typeof raw.model_type === 'string'
      ? ARCHITECTURES.find((a) => a.modelTypes.includes(raw.model_type as string))
      : ARCHITECTURES.find((a) => classes.some((name) => a.matchesClass(name)));
  if (found) return found;
  const what = typeof raw.model_type === 'string' ? `model_type "${raw.model_type}"` : classes.length > 0 ? `architectures ${classes.join(', ')}` : 'no model_type';
  const supported = ARCHITECTURES.map((a) => `"${a.modelTypes[0]}" (${a.examples})`).join(', ');
  throw new EmbedlabError(`${source}: ${what} is not supported; embedlab runs the Transformer model_types ${supported} and StaticEmbedding models`);
}
