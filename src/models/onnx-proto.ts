/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, package "onnx") that vramgate
 * writes and inspects, built with protobufjs' reflection API. Field numbers and types are
 * the wire contract with every ONNX reader: they must match onnx.proto exactly. Fields we
 * never write (sparse tensors, training info, functions, segments) are left out; readers
 * skip unknown fields, so the subset only limits what we can express, not what we can read.
 */
import protobuf from "protobufjs/light.js";

/** ONNX TensorProto.DataType values used by vramgate. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;

/** ONNX AttributeProto.AttributeType values used by vramgate. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** Field number of TensorProto.raw_data: the generator appends it by hand (see resnet-writer.ts). */
export const TENSOR_RAW_DATA_FIELD = 9;
/** Field number of ModelProto.graph. */
export const MODEL_GRAPH_FIELD = 7;
/** Field numbers of GraphProto's repeated members. */
export const GRAPH_FIELDS = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;

type FieldRule = "repeated" | "optional";
/** [name, number, type, rule?] — one row per protobuf field. */
type FieldRow = [string, number, string, FieldRule?];

const MESSAGES: Record<string, FieldRow[]> = {
  OperatorSetIdProto: [
    ["domain", 1, "string"],
    ["version", 2, "int64"],
  ],
  StringStringEntryProto: [
    ["key", 1, "string"],
    ["value", 2, "string"],
  ],
  TensorProto: [
    ["dims", 1, "int64", "repeated"],
    ["dataType", 2, "int32"],
    ["floatData", 4, "float", "repeated"],
    ["int32Data", 5, "int32", "repeated"],
    ["int64Data", 7, "int64", "repeated"],
    ["name", 8, "string"],
    ["rawData", TENSOR_RAW_DATA_FIELD, "bytes"],
    ["docString", 12, "string"],
    ["externalData", 13, "StringStringEntryProto", "repeated"],
    ["dataLocation", 14, "int32"],
  ],
  AttributeProto: [
    ["name", 1, "string"],
    ["f", 2, "float"],
    ["i", 3, "int64"],
    ["s", 4, "bytes"],
    ["t", 5, "TensorProto"],
    ["floats", 7, "float", "repeated"],
    ["ints", 8, "int64", "repeated"],
    ["docString", 13, "string"],
    ["type", 20, "int32"],
  ],
  NodeProto: [
    ["input", 1, "string", "repeated"],
    ["output", 2, "string", "repeated"],
    ["name", 3, "string"],
    ["opType", 4, "string"],
    ["attribute", 5, "AttributeProto", "repeated"],
    ["docString", 6, "string"],
    ["domain", 7, "string"],
  ],
  // TensorShapeProto.Dimension: dim_value / dim_param form a oneof on the wire; setting
  // only one of them per message is enough, so no OneOf object is declared.
  Dimension: [
    ["dimValue", 1, "int64"],
    ["dimParam", 2, "string"],
    ["denotation", 3, "string"],
  ],
  TensorShapeProto: [["dim", 1, "Dimension", "repeated"]],
  TypeProtoTensor: [
    ["elemType", 1, "int32"],
    ["shape", 2, "TensorShapeProto"],
  ],
  TypeProto: [
    ["tensorType", 1, "TypeProtoTensor"],
    ["denotation", 6, "string"],
  ],
  ValueInfoProto: [
    ["name", 1, "string"],
    ["type", 2, "TypeProto"],
    ["docString", 3, "string"],
  ],
  GraphProto: [
    ["node", GRAPH_FIELDS.node, "NodeProto", "repeated"],
    ["name", GRAPH_FIELDS.name, "string"],
    ["initializer", GRAPH_FIELDS.initializer, "TensorProto", "repeated"],
    ["docString", 10, "string"],
    ["input", GRAPH_FIELDS.input, "ValueInfoProto", "repeated"],
    ["output", GRAPH_FIELDS.output, "ValueInfoProto", "repeated"],
    ["valueInfo", 13, "ValueInfoProto", "repeated"],
  ],
  ModelProto: [
    ["irVersion", 1, "int64"],
    ["producerName", 2, "string"],
    ["producerVersion", 3, "string"],
    ["domain", 4, "string"],
    ["modelVersion", 5, "int64"],
    ["docString", 6, "string"],
    ["graph", MODEL_GRAPH_FIELD, "GraphProto"],
    ["opsetImport", 8, "OperatorSetIdProto", "repeated"],
    ["metadataProps", 14, "StringStringEntryProto", "repeated"],
  ],
};

function buildRoot(): protobuf.Root {
  // Nested names (TypeProto.Tensor, TensorShapeProto.Dimension) are flattened to
  // top-level types: the wire format carries field numbers only, never type names.
  const ns = new protobuf.Namespace("onnx");
  for (const [typeName, rows] of Object.entries(MESSAGES)) {
    const type = new protobuf.Type(typeName);
    for (const [name, id, fieldType, rule] of rows) {
      const field = new protobuf.Field(name, id, fieldType, rule);
      // proto2 semantics (onnx.proto is proto2): repeated scalars of onnx.proto are
      // packed only where it says [packed = true]; protobufjs packs by default in proto3
      // mode, so state it. Readers accept both encodings, so this is about fidelity.
      if (rule === "repeated" && !["string", "bytes"].includes(fieldType) && /^[a-z]/.test(fieldType)) {
        field.options = { packed: name.endsWith("Data") };
      }
      type.add(field);
    }
    ns.add(type);
  }
  const root = new protobuf.Root();
  root.add(ns);
  root.resolveAll();
  return root;
}

const root = buildRoot();
const lookup = (name: string): protobuf.Type => root.lookupType(`onnx.${name}`);

/** Reflected message types; encode with `T.encode(T.fromObject(obj)).finish()`. */
export const OnnxProto = {
  ModelProto: lookup("ModelProto"),
  GraphProto: lookup("GraphProto"),
  NodeProto: lookup("NodeProto"),
  AttributeProto: lookup("AttributeProto"),
  TensorProto: lookup("TensorProto"),
  ValueInfoProto: lookup("ValueInfoProto"),
  TypeProto: lookup("TypeProto"),
  TensorShapeProto: lookup("TensorShapeProto"),
  OperatorSetIdProto: lookup("OperatorSetIdProto"),
} as const;

/** Plain-object shapes accepted by the reflected types (camelCase field names). */
export interface AttributeObject {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}
export interface NodeObject {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute?: AttributeObject[];
}
interface DimObject {
  dimValue?: number;
  dimParam?: string;
}
export interface ValueInfoObject {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: DimObject[] } } };
}

/** Encodes one message of the given type from a plain object. */
export function encodeMessage(type: protobuf.Type, obj: object): Uint8Array {
  return type.encode(type.fromObject(obj as Record<string, unknown>)).finish();
}
