/**
 * Serialises an ONNX model whose initializer values are produced lazily, one tensor at a
 * time. Small messages (nodes, value infos, tensor metadata) go through protobufjs; each
 * initializer's raw_data field is appended by hand, so its size is known from the dims
 * alone and the full byte length is computed before any weight is generated. That lets
 * callers write a 100 MB model to a file with ~one tensor in memory, or into one
 * exactly-sized buffer.
 */
import { endianness } from "node:os";
import {
  DataType,
  GRAPH_FIELDS,
  MODEL_GRAPH_FIELD,
  OnnxProto,
  TENSOR_RAW_DATA_FIELD,
  encodeMessage,
  type NodeObject,
  type ValueInfoObject,
} from "./onnx-proto.js";

/** An initializer whose data is produced on demand (called once, in graph order). */
export interface LazyInitializer {
  name: string;
  dims: number[];
  dataType: typeof DataType.FLOAT | typeof DataType.FLOAT16;
  /** Little-endian element bytes; length must be product(dims) × element size. */
  data(): Uint8Array;
}

export interface GraphPlan {
  name: string;
  nodes: NodeObject[];
  initializers: LazyInitializer[];
  inputs: ValueInfoObject[];
  outputs: ValueInfoObject[];
}

export interface ModelHeader {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
}

/** A serialised model: its exact byte length, and its bytes as an ordered chunk stream. */
export interface ModelChunks {
  byteLength: number;
  chunks(): Generator<Uint8Array>;
}

const WIRE_LEN = 2;

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Tag + length prefix of a length-delimited field. */
function lenPrefix(field: number, length: number): Uint8Array {
  const tag = varint(field * 8 + WIRE_LEN);
  const len = varint(length);
  const out = new Uint8Array(tag.length + len.length);
  out.set(tag);
  out.set(len, tag.length);
  return out;
}

function elementBytes(dataType: LazyInitializer["dataType"]): number {
  return dataType === DataType.FLOAT16 ? 2 : 4;
}

/** Plans the model's bytes; no initializer data is generated until chunks() is iterated. */
export function planModel(header: ModelHeader, graph: GraphPlan): ModelChunks {
  // Typed-array views write host byte order; ONNX raw_data is little-endian.
  if (endianness() !== "LE") throw new Error("ONNX generation needs a little-endian host");

  const head = encodeMessage(OnnxProto.ModelProto, {
    irVersion: header.irVersion,
    producerName: header.producerName,
    producerVersion: header.producerVersion,
    docString: header.docString,
    opsetImport: [{ domain: "", version: header.opsetVersion }],
  });

  const fixedParts: Array<{ field: number; bytes: Uint8Array }> = [];
  for (const node of graph.nodes)
    fixedParts.push({ field: GRAPH_FIELDS.node, bytes: encodeMessage(OnnxProto.NodeProto, node) });
  const nameBytes = new TextEncoder().encode(graph.name);

  const inits = graph.initializers.map((init) => {
    const meta = encodeMessage(OnnxProto.TensorProto, { name: init.name, dims: init.dims, dataType: init.dataType });
    const dataBytes = init.dims.reduce((a, b) => a * b, 1) * elementBytes(init.dataType);
    const rawPrefix = lenPrefix(TENSOR_RAW_DATA_FIELD, dataBytes);
    const bodyLength = meta.length + rawPrefix.length + dataBytes;
    return { init, meta, rawPrefix, dataBytes, prefix: lenPrefix(GRAPH_FIELDS.initializer, bodyLength), bodyLength };
  });
  const ioParts = [
    ...graph.inputs.map((v) => ({ field: GRAPH_FIELDS.input, bytes: encodeMessage(OnnxProto.ValueInfoProto, v) })),
    ...graph.outputs.map((v) => ({ field: GRAPH_FIELDS.output, bytes: encodeMessage(OnnxProto.ValueInfoProto, v) })),
  ];

  const partLength = (p: { field: number; bytes: Uint8Array }): number =>
    varintLength(p.field * 8 + WIRE_LEN) + varintLength(p.bytes.length) + p.bytes.length;
  const graphLength =
    fixedParts.reduce((s, p) => s + partLength(p), 0) +
    partLength({ field: GRAPH_FIELDS.name, bytes: nameBytes }) +
    inits.reduce((s, i) => s + i.prefix.length + i.bodyLength, 0) +
    ioParts.reduce((s, p) => s + partLength(p), 0);
  const graphPrefix = lenPrefix(MODEL_GRAPH_FIELD, graphLength);

  return {
    byteLength: head.length + graphPrefix.length + graphLength,
    *chunks() {
      yield head;
      yield graphPrefix;
      // Fields in ascending number order: node(1), name(2), initializer(5), input(11), output(12).
      for (const p of fixedParts) {
        yield lenPrefix(p.field, p.bytes.length);
        yield p.bytes;
      }
      yield lenPrefix(GRAPH_FIELDS.name, nameBytes.length);
      yield nameBytes;
      for (const i of inits) {
        yield i.prefix;
        yield i.meta;
        yield i.rawPrefix;
        const data = i.init.data();
        if (data.length !== i.dataBytes) {
          throw new Error(`initializer ${i.init.name}: expected ${i.dataBytes} bytes, got ${data.length}`);
        }
        yield data;
      }
      for (const p of ioParts) {
        yield lenPrefix(p.field, p.bytes.length);
        yield p.bytes;
      }
    },
  };
}

/** Materialises a planned model into one exactly-sized buffer. */
export function concatChunks(model: ModelChunks): Uint8Array {
  const out = new Uint8Array(model.byteLength);
  let offset = 0;
  for (const chunk of model.chunks()) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== model.byteLength) throw new Error(`model size mismatch: planned ${model.byteLength}, wrote ${offset}`);
  return out;
}
