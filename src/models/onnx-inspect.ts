/**
 * Reads what an engine needs to know about an ONNX model without decoding its weights:
 * the element types of its initializers and of its graph inputs. Weight payloads
 * (raw_data, often ~100 MB) are skipped by length, never copied.
 */
import protobuf from "protobufjs/light.js";
import { GRAPH_FIELDS, MODEL_GRAPH_FIELD, OnnxProto, TENSOR_RAW_DATA_FIELD } from "./onnx-proto.js";

const WIRE_LEN = 2;
const TENSOR_DATA_TYPE_FIELD = 2;
const TENSOR_DATA_TYPE_WIRE = 0;

export interface OnnxSummary {
  /** Number of initializers per ONNX TensorProto.DataType code. */
  initializerTypes: Map<number, number>;
  /** Graph inputs that are not initializers, with their element type (0 when undeclared). */
  inputs: Array<{ name: string; elemType: number }>;
}

/** Thrown when the bytes are not a protobuf ModelProto with a graph. */
export class OnnxFormatError extends Error {
  override name = "OnnxFormatError";
}

function readTensorDataType(bytes: Uint8Array): number {
  const r = protobuf.Reader.create(bytes);
  let dataType = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === TENSOR_DATA_TYPE_FIELD && (tag & 7) === TENSOR_DATA_TYPE_WIRE) dataType = r.int32();
    else r.skipType(tag & 7);
  }
  return dataType;
}

/** Summarises a model; throws OnnxFormatError for bytes that are not an ONNX model. */
export function inspectOnnx(bytes: Uint8Array): OnnxSummary {
  const initializerTypes = new Map<number, number>();
  const initializerNames = new Set<string>();
  const declaredInputs: Array<{ name: string; elemType: number }> = [];
  let sawGraph = false;
  try {
    const model = protobuf.Reader.create(bytes);
    while (model.pos < model.len) {
      const tag = model.uint32();
      if (tag >>> 3 !== MODEL_GRAPH_FIELD || (tag & 7) !== WIRE_LEN) {
        model.skipType(tag & 7);
        continue;
      }
      sawGraph = true;
      const graph = protobuf.Reader.create(model.bytes());
      while (graph.pos < graph.len) {
        const gtag = graph.uint32();
        const field = gtag >>> 3;
        if ((gtag & 7) === WIRE_LEN && field === GRAPH_FIELDS.initializer) {
          const tensor = graph.bytes();
          const type = readTensorDataType(tensor);
          initializerTypes.set(type, (initializerTypes.get(type) ?? 0) + 1);
          const name = (OnnxProto.TensorProto.decode(stripRawData(tensor)) as unknown as { name?: string }).name;
          if (name) initializerNames.add(name);
        } else if ((gtag & 7) === WIRE_LEN && field === GRAPH_FIELDS.input) {
          const info = OnnxProto.ValueInfoProto.toObject(OnnxProto.ValueInfoProto.decode(graph.bytes())) as {
            name?: string;
            type?: { tensorType?: { elemType?: number } };
          };
          declaredInputs.push({ name: info.name ?? "", elemType: info.type?.tensorType?.elemType ?? 0 });
        } else {
          graph.skipType(gtag & 7);
        }
      }
    }
  } catch (err) {
    throw new OnnxFormatError(`not a valid ONNX model (protobuf decoding failed: ${(err as Error).message})`);
  }
  if (!sawGraph) throw new OnnxFormatError("not a valid ONNX model (no graph found)");
  return { initializerTypes, inputs: declaredInputs.filter((i) => !initializerNames.has(i.name)) };
}

/** A TensorProto's bytes without its raw_data field, so decoding it copies no payload. */
function stripRawData(tensor: Uint8Array): Uint8Array {
  const r = protobuf.Reader.create(tensor);
  const keep: Uint8Array[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    r.skipType(tag & 7);
    if (tag >>> 3 !== TENSOR_RAW_DATA_FIELD) keep.push(tensor.subarray(start, r.pos));
  }
  const out = new Uint8Array(keep.reduce((s, k) => s + k.length, 0));
  let o = 0;
  for (const k of keep) {
    out.set(k, o);
    o += k.length;
  }
  return out;
}
