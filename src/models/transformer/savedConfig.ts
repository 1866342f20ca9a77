import { FORMAT_VERSIONS } from '../../util/versions';

/**
 * The config.json an architecture writes on save: the config as read, with
 * `model_type`, `architectures`, float32 as the dtype (the weights are saved
 * in float32) and every field the encoder used spelled out, so `transformers`
 * rebuilds the same model whatever its own defaults are.
 */
export function savedConfig(
  raw: Record<string, unknown>,
  identity: { modelType: string; modelClass: string },
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...raw, ...fields, model_type: identity.modelType, architectures: [identity.modelClass] };
  // transformers ≥ 4.56 writes `dtype`, older versions `torch_dtype`; keep the spelling the file had
  if ('dtype' in config) config.dtype = 'float32';
  else config.torch_dtype = 'float32';
  config.transformers_version ??= FORMAT_VERSIONS.transformers;
  return config;
}
