package io.lipstream.job.faces;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: writes tiny ONNX models (a ModelProto, serialised by field number from onnx.proto)
 * without any ONNX library, to drive {@link OnnxFaceDetector} end to end through ONNX Runtime.
 */
final class TinyOnnx {

    /**
     * onnx.proto: IR version 8 carries opset 13..17; opset 13 keeps ReduceMean's axes an attribute.
     */
    static final long IR_VERSION = 8, OPSET = 13;

    /** TensorProto.DataType.FLOAT. */
    static final int FLOAT = 1;

    /** AttributeProto.AttributeType. */
    private static final int ATTR_INT = 2, ATTR_TENSOR = 4, ATTR_INTS = 7;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();

    /** Declares a float graph input; a negative dim is dynamic ("N"). */
    TinyOnnx input(String name, long... dims) {
        inputs.add(valueInfo(name, dims));
        return this;
    }

    TinyOnnx output(String name, long... dims) {
        outputs.add(valueInfo(name, dims));
        return this;
    }

    /** A Constant node: {@code output = values} shaped {@code dims}. */
    TinyOnnx constant(String output, float[] values, long... dims) {
        byte[] value =
                attribute("value", ATTR_TENSOR, out -> out.writeByteArray(5, tensor(values, dims)));
        nodes.add(node("Constant", List.of(), List.of(output), List.of(value)));
        return this;
    }

    /** ReduceMean over {@code axes}, dropping them (keepdims = 0). */
    TinyOnnx reduceMean(String input, String output, long... axes) {
        byte[] axesAttr =
                attribute(
                        "axes",
                        ATTR_INTS,
                        out -> {
                            for (long axis : axes) {
                                out.writeInt64(8, axis);
                            }
                        });
        byte[] keep = attribute("keepdims", ATTR_INT, out -> out.writeInt64(3, 0));
        nodes.add(node("ReduceMean", List.of(input), List.of(output), List.of(axesAttr, keep)));
        return this;
    }

    TinyOnnx concat(String output, long axis, String... inputs) {
        byte[] axisAttr = attribute("axis", ATTR_INT, out -> out.writeInt64(3, axis));
        nodes.add(node("Concat", List.of(inputs), List.of(output), List.of(axisAttr)));
        return this;
    }

    /** The serialised ModelProto. */
    byte[] build() {
        byte[] graph =
                message(
                        out -> {
                            for (byte[] n : nodes) {
                                out.writeByteArray(1, n);
                            }
                            out.writeString(2, "tiny");
                            for (byte[] i : inputs) {
                                out.writeByteArray(11, i);
                            }
                            for (byte[] o : outputs) {
                                out.writeByteArray(12, o);
                            }
                        });
        byte[] opset =
                message(
                        out -> {
                            out.writeString(1, "");
                            out.writeInt64(2, OPSET);
                        });
        return message(
                out -> {
                    out.writeInt64(1, IR_VERSION);
                    out.writeByteArray(7, graph);
                    out.writeByteArray(8, opset);
                });
    }

    private static byte[] node(
            String opType, List<String> in, List<String> out, List<byte[]> attrs) {
        return message(
                w -> {
                    for (String i : in) {
                        w.writeString(1, i);
                    }
                    for (String o : out) {
                        w.writeString(2, o);
                    }
                    w.writeString(3, opType + "_" + out.get(0));
                    w.writeString(4, opType);
                    for (byte[] a : attrs) {
                        w.writeByteArray(5, a);
                    }
                });
    }

    private static byte[] attribute(String name, int type, Body value) {
        return message(
                out -> {
                    out.writeString(1, name);
                    value.write(out);
                    out.writeEnum(20, type);
                });
    }

    private static byte[] tensor(float[] values, long[] dims) {
        ByteBuffer raw =
                ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return message(
                out -> {
                    for (long d : dims) {
                        out.writeInt64(1, d);
                    }
                    out.writeInt32(2, FLOAT);
                    out.writeByteArray(9, raw.array());
                });
    }

    private static byte[] valueInfo(String name, long[] dims) {
        byte[] shape =
                message(
                        out -> {
                            for (long d : dims) {
                                byte[] dim =
                                        message(
                                                w -> {
                                                    if (d >= 0) {
                                                        w.writeInt64(1, d);
                                                    } else {
                                                        w.writeString(2, "N");
                                                    }
                                                });
                                out.writeByteArray(1, dim);
                            }
                        });
        byte[] tensorType =
                message(
                        out -> {
                            out.writeInt32(1, FLOAT);
                            out.writeByteArray(2, shape);
                        });
        byte[] type = message(out -> out.writeByteArray(1, tensorType));
        return message(
                out -> {
                    out.writeString(1, name);
                    out.writeByteArray(2, type);
                });
    }

    @FunctionalInterface
    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
