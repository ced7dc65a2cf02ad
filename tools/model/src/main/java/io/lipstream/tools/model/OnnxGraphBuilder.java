package io.lipstream.tools.model;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes an ONNX {@code ModelProto} from Java, without the ONNX protobuf classes: every message is
 * encoded by its field numbers in onnx.proto with protobuf-java's {@link CodedOutputStream}.
 *
 * <p>Covers what the generated models need: nodes with int, ints, float and tensor attributes;
 * float32, float16 and int64 initializers stored as little-endian {@code raw_data}; float32 graph
 * inputs and outputs with static or symbolic ({@code dim_param}) dimensions. The model declares
 * {@link #IR_VERSION} and the default-domain {@link #OPSET}. Each message's size is computed before
 * it is written, so the graph streams to disk without being assembled in memory a second time.
 *
 * <p>Not thread-safe; build one graph per instance.
 */
public final class OnnxGraphBuilder {
    /** ONNX IR version 8 (onnx 1.10 to 1.12), which ONNX Runtime 1.29 reads. */
    public static final long IR_VERSION = 8;

    /** Default-domain operator set: 17 is the newest opset of IR version 8. */
    public static final long OPSET = 17;

    private static final int WRITE_BUFFER_BYTES = 1 << 20;

    private final String graphName;
    private final List<Message> nodes = new ArrayList<>();
    private final List<Message> initializers = new ArrayList<>();
    private final List<Message> inputs = new ArrayList<>();
    private final List<Message> outputs = new ArrayList<>();
    private long floatParameters;
    private int nodeCounter;

    public OnnxGraphBuilder(String graphName) {
        this.graphName = Objects.requireNonNull(graphName, "graphName");
    }

    /** One tensor dimension: a fixed size, or a symbolic name such as {@code "batch"}. */
    public record Dim(long value, String param) {
        public static Dim of(long value) {
            if (value <= 0) {
                throw new IllegalArgumentException("dimension must be positive, got " + value);
            }
            return new Dim(value, null);
        }

        public static Dim symbolic(String param) {
            return new Dim(0, Objects.requireNonNull(param, "param"));
        }

        /** A fixed dimension when {@code value} is non-null, else the symbolic {@code param}. */
        public static Dim fixedOr(Integer value, String param) {
            return value == null ? symbolic(param) : of(value);
        }

        boolean symbolic() {
            return param != null;
        }
    }

    /** A node attribute; build with the static factories. */
    public static final class Attribute {
        private final Message message;

        private Attribute(Message message) {
            this.message = message;
        }
    }

    public static Attribute intAttr(String name, long value) {
        return new Attribute(
                new Message() {
                    @Override
                    int size() {
                        return CodedOutputStream.computeStringSize(OnnxProto.ATTR_NAME, name)
                                + CodedOutputStream.computeInt64Size(OnnxProto.ATTR_I, value)
                                + CodedOutputStream.computeEnumSize(
                                        OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_INT);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeString(OnnxProto.ATTR_NAME, name);
                        out.writeInt64(OnnxProto.ATTR_I, value);
                        out.writeEnum(OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_INT);
                    }
                });
    }

    public static Attribute floatAttr(String name, float value) {
        return new Attribute(
                new Message() {
                    @Override
                    int size() {
                        return CodedOutputStream.computeStringSize(OnnxProto.ATTR_NAME, name)
                                + CodedOutputStream.computeFloatSize(OnnxProto.ATTR_F, value)
                                + CodedOutputStream.computeEnumSize(
                                        OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_FLOAT);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeString(OnnxProto.ATTR_NAME, name);
                        out.writeFloat(OnnxProto.ATTR_F, value);
                        out.writeEnum(OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_FLOAT);
                    }
                });
    }

    /** A repeated-int attribute, written unpacked as onnx.proto's proto2 {@code ints} expects. */
    public static Attribute intsAttr(String name, long... values) {
        long[] copy = values.clone();
        return new Attribute(
                new Message() {
                    @Override
                    int size() {
                        int size = CodedOutputStream.computeStringSize(OnnxProto.ATTR_NAME, name);
                        for (long v : copy) {
                            size += CodedOutputStream.computeInt64Size(OnnxProto.ATTR_INTS, v);
                        }
                        return size
                                + CodedOutputStream.computeEnumSize(
                                        OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_INTS);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeString(OnnxProto.ATTR_NAME, name);
                        for (long v : copy) {
                            out.writeInt64(OnnxProto.ATTR_INTS, v);
                        }
                        out.writeEnum(OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_INTS);
                    }
                });
    }

    /** A tensor attribute (for example a {@code Constant} node's value) holding float32 data. */
    public static Attribute floatTensorAttr(String name, long[] dims, float[] values) {
        Message tensor = tensor("", dims, OnnxProto.DATA_FLOAT, littleEndian(values));
        return new Attribute(
                new Message() {
                    @Override
                    int size() {
                        return CodedOutputStream.computeStringSize(OnnxProto.ATTR_NAME, name)
                                + nestedSize(OnnxProto.ATTR_T, tensor)
                                + CodedOutputStream.computeEnumSize(
                                        OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_TENSOR);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeString(OnnxProto.ATTR_NAME, name);
                        writeNested(out, OnnxProto.ATTR_T, tensor);
                        out.writeEnum(OnnxProto.ATTR_TYPE, OnnxProto.ATTRIBUTE_TENSOR);
                    }
                });
    }

    /** Declares a float32 graph input. */
    public OnnxGraphBuilder input(String name, Dim... dims) {
        inputs.add(valueInfo(name, List.of(dims)));
        return this;
    }

    /** Declares a float32 graph output. */
    public OnnxGraphBuilder output(String name, Dim... dims) {
        outputs.add(valueInfo(name, List.of(dims)));
        return this;
    }

    /** Adds a float32 initializer (a weight); {@code values} is copied. */
    public OnnxGraphBuilder floatInitializer(String name, long[] dims, float[] values) {
        checkElementCount(name, dims, values.length);
        initializers.add(tensor(name, dims, OnnxProto.DATA_FLOAT, littleEndian(values)));
        floatParameters += values.length;
        return this;
    }

    /**
     * Adds a float16 initializer: {@code values} rounded to IEEE half precision (nearest, ties to
     * even; see {@link Float16}). Counted as parameters.
     */
    public OnnxGraphBuilder float16Initializer(String name, long[] dims, float[] values) {
        checkElementCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Short.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putShort(Float16.fromFloat(v));
        }
        initializers.add(tensor(name, dims, OnnxProto.DATA_FLOAT16, raw.array()));
        floatParameters += values.length;
        return this;
    }

    /** Adds an int64 initializer (shape or index constants; not counted as parameters). */
    public OnnxGraphBuilder int64Initializer(String name, long[] dims, long[] values) {
        checkElementCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
        initializers.add(tensor(name, dims, OnnxProto.DATA_INT64, raw.array()));
        return this;
    }

    /** Adds a node named {@code opType_N}; returns that name. */
    public String node(
            String opType, List<String> nodeInputs, List<String> nodeOutputs, Attribute... attrs) {
        String name = opType + "_" + nodeCounter++;
        List<String> in = List.copyOf(nodeInputs);
        List<String> out = List.copyOf(nodeOutputs);
        List<Message> attributes = new ArrayList<>();
        for (Attribute a : attrs) {
            attributes.add(a.message);
        }
        nodes.add(
                new Message() {
                    @Override
                    int size() {
                        int size = 0;
                        for (String s : in) {
                            size += CodedOutputStream.computeStringSize(OnnxProto.NODE_INPUT, s);
                        }
                        for (String s : out) {
                            size += CodedOutputStream.computeStringSize(OnnxProto.NODE_OUTPUT, s);
                        }
                        size += CodedOutputStream.computeStringSize(OnnxProto.NODE_NAME, name);
                        size += CodedOutputStream.computeStringSize(OnnxProto.NODE_OP_TYPE, opType);
                        for (Message a : attributes) {
                            size += nestedSize(OnnxProto.NODE_ATTRIBUTE, a);
                        }
                        return size;
                    }

                    @Override
                    void write(CodedOutputStream o) throws IOException {
                        for (String s : in) {
                            o.writeString(OnnxProto.NODE_INPUT, s);
                        }
                        for (String s : out) {
                            o.writeString(OnnxProto.NODE_OUTPUT, s);
                        }
                        o.writeString(OnnxProto.NODE_NAME, name);
                        o.writeString(OnnxProto.NODE_OP_TYPE, opType);
                        for (Message a : attributes) {
                            writeNested(o, OnnxProto.NODE_ATTRIBUTE, a);
                        }
                    }
                });
        return name;
    }

    /** Number of floating-point (float32 and float16) values held in initializers so far. */
    public long floatParameterCount() {
        return floatParameters;
    }

    /** Writes the model to {@code path}, replacing any file there. */
    public void write(Path path, String producerName) throws IOException {
        Message model = model(producerName);
        try (OutputStream file = Files.newOutputStream(path);
                BufferedOutputStream buffered =
                        new BufferedOutputStream(file, WRITE_BUFFER_BYTES)) {
            CodedOutputStream out = CodedOutputStream.newInstance(buffered, WRITE_BUFFER_BYTES);
            model.write(out);
            out.flush();
        }
    }

    /** The encoded model, for small graphs and tests. */
    public byte[] toByteArray(String producerName) throws IOException {
        Message model = model(producerName);
        byte[] bytes = new byte[model.size()];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        model.write(out);
        out.checkNoSpaceLeft();
        return bytes;
    }

    private Message model(String producerName) {
        Message nodeList = messages(OnnxProto.GRAPH_NODE, nodes);
        Message opset =
                new Message() {
                    @Override
                    int size() {
                        return CodedOutputStream.computeStringSize(OnnxProto.OPSET_DOMAIN, "")
                                + CodedOutputStream.computeInt64Size(
                                        OnnxProto.OPSET_VERSION, OPSET);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeString(OnnxProto.OPSET_DOMAIN, "");
                        out.writeInt64(OnnxProto.OPSET_VERSION, OPSET);
                    }
                };
        Message graphMessage =
                new Message() {
                    @Override
                    int size() {
                        long size =
                                (long) nodeList.size()
                                        + CodedOutputStream.computeStringSize(
                                                OnnxProto.GRAPH_NAME, graphName)
                                        + repeatedSize(OnnxProto.GRAPH_INITIALIZER, initializers)
                                        + repeatedSize(OnnxProto.GRAPH_INPUT, inputs)
                                        + repeatedSize(OnnxProto.GRAPH_OUTPUT, outputs);
                        return checkedSize(size);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        nodeList.write(out);
                        out.writeString(OnnxProto.GRAPH_NAME, graphName);
                        writeRepeated(out, OnnxProto.GRAPH_INITIALIZER, initializers);
                        writeRepeated(out, OnnxProto.GRAPH_INPUT, inputs);
                        writeRepeated(out, OnnxProto.GRAPH_OUTPUT, outputs);
                    }
                };
        return new Message() {
            @Override
            int size() {
                long size =
                        (long)
                                        CodedOutputStream.computeInt64Size(
                                                OnnxProto.MODEL_IR_VERSION, IR_VERSION)
                                + CodedOutputStream.computeStringSize(
                                        OnnxProto.MODEL_PRODUCER_NAME, producerName)
                                + nestedSize(OnnxProto.MODEL_GRAPH, graphMessage)
                                + nestedSize(OnnxProto.MODEL_OPSET_IMPORT, opset);
                return checkedSize(size);
            }

            @Override
            void write(CodedOutputStream out) throws IOException {
                out.writeInt64(OnnxProto.MODEL_IR_VERSION, IR_VERSION);
                out.writeString(OnnxProto.MODEL_PRODUCER_NAME, producerName);
                writeNested(out, OnnxProto.MODEL_GRAPH, graphMessage);
                writeNested(out, OnnxProto.MODEL_OPSET_IMPORT, opset);
            }
        };
    }

    private static Message tensor(String name, long[] dims, int dataType, byte[] raw) {
        long[] shape = dims.clone();
        return new Message() {
            @Override
            int size() {
                int size = 0;
                for (long d : shape) {
                    size += CodedOutputStream.computeInt64Size(OnnxProto.TENSOR_DIMS, d);
                }
                size += CodedOutputStream.computeInt32Size(OnnxProto.TENSOR_DATA_TYPE, dataType);
                if (!name.isEmpty()) {
                    size += CodedOutputStream.computeStringSize(OnnxProto.TENSOR_NAME, name);
                }
                return size
                        + CodedOutputStream.computeTagSize(OnnxProto.TENSOR_RAW_DATA)
                        + CodedOutputStream.computeUInt32SizeNoTag(raw.length)
                        + raw.length;
            }

            @Override
            void write(CodedOutputStream out) throws IOException {
                for (long d : shape) {
                    out.writeInt64(OnnxProto.TENSOR_DIMS, d);
                }
                out.writeInt32(OnnxProto.TENSOR_DATA_TYPE, dataType);
                if (!name.isEmpty()) {
                    out.writeString(OnnxProto.TENSOR_NAME, name);
                }
                out.writeByteArray(OnnxProto.TENSOR_RAW_DATA, raw);
            }
        };
    }

    private static Message valueInfo(String name, List<Dim> dims) {
        List<Message> dimensions = new ArrayList<>();
        for (Dim d : dims) {
            dimensions.add(
                    new Message() {
                        @Override
                        int size() {
                            return d.symbolic()
                                    ? CodedOutputStream.computeStringSize(
                                            OnnxProto.DIM_PARAM, d.param())
                                    : CodedOutputStream.computeInt64Size(
                                            OnnxProto.DIM_VALUE, d.value());
                        }

                        @Override
                        void write(CodedOutputStream out) throws IOException {
                            if (d.symbolic()) {
                                out.writeString(OnnxProto.DIM_PARAM, d.param());
                            } else {
                                out.writeInt64(OnnxProto.DIM_VALUE, d.value());
                            }
                        }
                    });
        }
        Message shape = messages(OnnxProto.SHAPE_DIM, dimensions);
        Message tensorType =
                new Message() {
                    @Override
                    int size() {
                        return CodedOutputStream.computeInt32Size(
                                        OnnxProto.TYPE_TENSOR_ELEM_TYPE, OnnxProto.DATA_FLOAT)
                                + nestedSize(OnnxProto.TYPE_TENSOR_SHAPE, shape);
                    }

                    @Override
                    void write(CodedOutputStream out) throws IOException {
                        out.writeInt32(OnnxProto.TYPE_TENSOR_ELEM_TYPE, OnnxProto.DATA_FLOAT);
                        writeNested(out, OnnxProto.TYPE_TENSOR_SHAPE, shape);
                    }
                };
        Message type = messages(OnnxProto.TYPE_TENSOR_TYPE, List.of(tensorType));
        return new Message() {
            @Override
            int size() {
                return CodedOutputStream.computeStringSize(OnnxProto.VALUE_INFO_NAME, name)
                        + nestedSize(OnnxProto.VALUE_INFO_TYPE, type);
            }

            @Override
            void write(CodedOutputStream out) throws IOException {
                out.writeString(OnnxProto.VALUE_INFO_NAME, name);
                writeNested(out, OnnxProto.VALUE_INFO_TYPE, type);
            }
        };
    }

    /** A message made only of the repeated field {@code field} holding {@code items}. */
    private static Message messages(int field, List<Message> items) {
        return new Message() {
            @Override
            int size() {
                return checkedSize(repeatedSize(field, items));
            }

            @Override
            void write(CodedOutputStream out) throws IOException {
                writeRepeated(out, field, items);
            }
        };
    }

    private static long repeatedSize(int field, List<Message> items) {
        long size = 0;
        for (Message m : items) {
            size += nestedSize(field, m);
        }
        return size;
    }

    private static void writeRepeated(CodedOutputStream out, int field, List<Message> items)
            throws IOException {
        for (Message m : items) {
            writeNested(out, field, m);
        }
    }

    private static int nestedSize(int field, Message m) {
        int size = m.size();
        return CodedOutputStream.computeTagSize(field)
                + CodedOutputStream.computeUInt32SizeNoTag(size)
                + size;
    }

    private static void writeNested(CodedOutputStream out, int field, Message m)
            throws IOException {
        out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(m.size());
        m.write(out);
    }

    private static int checkedSize(long size) {
        // Protobuf messages are limited to 2 GiB; larger models need ONNX external data.
        if (size > Integer.MAX_VALUE) {
            throw new IllegalStateException(
                    "ONNX message of " + size + " bytes exceeds protobuf's 2 GiB limit");
        }
        return (int) size;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return raw.array();
    }

    private static void checkElementCount(String name, long[] dims, int actual) {
        long expected = 1;
        for (long d : dims) {
            expected *= d;
        }
        if (expected != actual) {
            throw new IllegalArgumentException(
                    "initializer "
                            + name
                            + " has dims "
                            + java.util.Arrays.toString(dims)
                            + " ("
                            + expected
                            + " values) but "
                            + actual
                            + " values were given");
        }
    }

    /** A protobuf message that knows its encoded size before it is written. */
    private abstract static class Message {
        abstract int size();

        abstract void write(CodedOutputStream out) throws IOException;
    }
}
