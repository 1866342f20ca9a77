export { SafetensorsFile, readSafetensors, type TensorEntry } from './read';
export { encodeSafetensors, writeSafetensors } from './write';
export { loadModelWeights } from './loadWeights';
export { toFloat32, type HostTensor } from './dtypes';
