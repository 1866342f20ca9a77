export { SafetensorsFile, readSafetensors, type TensorEntry } from './read';
export { encodeSafetensors, writeSafetensors, type SafetensorsWriteOptions } from './write';
export { loadModelWeights } from './loadWeights';
export { toFloat32, toHalfBits, type HostTensor } from './dtypes';
