/**
 * Finds and reads a model folder's weights: `model.safetensors`, or the
 * shards listed in `model.safetensors.index.json`. Pickled PyTorch
 * checkpoints (`pytorch_model.bin`) are never loaded — unpickling runs
 * arbitrary code — and the error says how to get safetensors instead.
 *
 * @example
 * const weights = loadModelWeights('./bge-small-en-v1.5'); // Map<name, HostTensor>
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { EmbedlabError } from '../../util/errors';
import { readJsonFile } from '../../util/readJson';
import type { HostTensor } from './dtypes';
import { SafetensorsFile } from './read';

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
const PICKLES = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.pt', 'model.pth', 'model.ckpt'];

/** All tensors of the model in `dir`, as float32. */
export function loadModelWeights(dir: string): Map<string, HostTensor> {
  const single = join(dir, SINGLE);
  if (existsSync(single)) {
    const file = SafetensorsFile.open(single);
    try {
      const out = new Map<string, HostTensor>();
      for (const name of file.names()) {
        const weight = readWeight(file, name);
        if (weight) out.set(name, weight);
      }
      return out;
    } finally {
      file.close();
    }
  }
  const index = join(dir, INDEX);
  if (existsSync(index)) return readSharded(dir, index);
  const pickle = PICKLES.find((name) => existsSync(join(dir, name)));
  if (pickle) {
    throw new EmbedlabError(
      `${join(dir, pickle)} is a pickled PyTorch checkpoint; embedlab never loads pickles (unpickling can run arbitrary code). ` +
        `Get the safetensors weights instead: download them with ` +
        `\`huggingface-cli download <model-id> --include "*.safetensors" --local-dir ${dir}\`, or convert once in Python with ` +
        `\`transformers.AutoModel.from_pretrained("${dir}").save_pretrained("${dir}", safe_serialization=True)\`.`,
    );
  }
  throw new EmbedlabError(`no model weights in ${dir}: expected ${SINGLE} or ${INDEX}`);
}

function readSharded(dir: string, indexPath: string): Map<string, HostTensor> {
  const weightMap = readJsonFile<{ weight_map?: Record<string, unknown> } | null>(indexPath)?.weight_map ?? {};
  const byShard = new Map<string, string[]>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || !isPlainFileName(shard)) {
      throw new EmbedlabError(`${indexPath}: weight_map["${name}"] = ${JSON.stringify(shard)} is not a file name inside ${dir}`);
    }
    byShard.set(shard, [...(byShard.get(shard) ?? []), name]);
  }
  if (byShard.size === 0) throw new EmbedlabError(`${indexPath} has an empty weight_map`);
  const out = new Map<string, HostTensor>();
  for (const [shard, names] of byShard) {
    const file = SafetensorsFile.open(join(dir, shard));
    try {
      for (const name of names) {
        if (!file.tensors.has(name)) {
          throw new EmbedlabError(`${indexPath} puts tensor "${name}" in ${shard}, but ${join(dir, shard)} does not contain it`);
        }
        const weight = readWeight(file, name);
        if (weight) out.set(name, weight);
      }
    } finally {
      file.close();
    }
  }
  return out;
}

const FLOAT_DTYPES = ['F64', 'F32', 'F16', 'BF16'];

/**
 * One weight as float32. Model weights are floating point: an integer tensor
 * is a saving mistake (or a quantised model) and reading it as floats would
 * give nonsense, so it is refused — except integer buffers such as BERT's
 * `position_ids`, which are not weights and are left out.
 */
function readWeight(file: SafetensorsFile, name: string): HostTensor | undefined {
  const dtype = file.tensors.get(name)!.dtype;
  if (FLOAT_DTYPES.includes(dtype)) return file.read(name);
  if (/(^|\.)(position_ids|token_type_ids)$/.test(name)) return undefined;
  throw new EmbedlabError(
    `${file.path}: tensor "${name}" is stored as ${dtype}, but model weights are floating point (F32, F16, BF16 or F64); ` +
      `re-save the model with float weights (quantised models are not supported)`,
  );
}

/** A bare file name: no folders, no `..`, not absolute (it must stay inside the model folder). */
function isPlainFileName(name: string): boolean {
  return name.length > 0 && !isAbsolute(name) && !/[\\/]/.test(name) && name !== '.' && name !== '..';
}
