export { Transformer, type TransformerLoadOptions } from './transformer';
export { ARCHITECTURES, architectureFor } from './architectures';
export type { Architecture, EncoderConfig, EncoderOutput, ForwardOptions, TransformerEncoder } from './encoder';
