/**
 * Builds an ONNX graph node by node: each call adds a node and returns the
 * names of its outputs, so a model reads like the forward pass it mirrors.
 */
import {
  ATTRIBUTE_FLOAT,
  ATTRIBUTE_INT,
  ONNX_FLOAT,
  encodeOnnxModel,
  type OnnxAttribute,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from './onnxProto';

/** onnxruntime's contrib operator domain (Attention, SkipLayerNormalization, BiasGelu, …). */
export const MICROSOFT = 'com.microsoft';

export type Attributes = Record<string, { int: number } | { float: number }>;

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private count = 0;

  input(info: OnnxValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  output(info: OnnxValueInfo): void {
    this.outputs.push(info);
  }

  /** A float32 constant (the bytes are referenced, not copied, until encoding). */
  weight(name: string, data: Float32Array, dims: number[]): string {
    this.initializers.push({ name, dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  /** Adds `opType(inputs)`; returns its `outputs` output names (generated unless `named`). */
  node(opType: string, inputs: string[], options: { attributes?: Attributes; domain?: string; outputs?: number; named?: string[] } = {}): string[] {
    const id = this.count++;
    const outputs = options.named ?? Array.from({ length: options.outputs ?? 1 }, (_, k) => `${opType}_${id}_${k}`);
    const attribute: OnnxAttribute[] = Object.entries(options.attributes ?? {}).map(([name, value]) =>
      'int' in value ? { name, type: ATTRIBUTE_INT, i: value.int } : { name, type: ATTRIBUTE_FLOAT, f: value.float },
    );
    this.nodes.push({ opType, name: `${opType}_${id}`, input: inputs, output: outputs, attribute, ...(options.domain && { domain: options.domain }) });
    return outputs;
  }

  /** One-output {@link node}. */
  op(opType: string, inputs: string[], attributes?: Attributes, domain?: string): string {
    return this.node(opType, inputs, { ...(attributes && { attributes }), ...(domain && { domain }) })[0]!;
  }

  /** The serialized model (standard opset 17 + onnxruntime contrib ops). */
  encode(): Uint8Array {
    return encodeOnnxModel({
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opsets: [
        { domain: '', version: 17 },
        { domain: MICROSOFT, version: 1 },
      ],
    });
  }
}
