package io.lipstream.tools.model;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * Builds an ONNX {@code ModelProto} from Java with the classes protoc generates from onnx.proto
 * ({@code src/main/proto}).
 *
 * <p>Covers what the generated models need: nodes with int, ints, float and tensor attributes;
 * float32, float16 and int64 initializers stored as little-endian {@code raw_data}; float32 graph
 * inputs and outputs with static or symbolic ({@code dim_param}) dimensions. The model declares
 * {@link #IR_VERSION} and the default-domain {@link #OPSET}. Initializer bytes are wrapped, not
 * copied, so a large model is held in memory once and streams to disk.
 *
 * <p>Not thread-safe; build one graph per instance.
 */
public final class OnnxGraphBuilder {
    /** ONNX IR version 8 (onnx 1.10 to 1.12), which ONNX Runtime 1.29 reads. */
    public static final long IR_VERSION = 8;

    /** Default-domain operator set: 17 is the newest opset of IR version 8. */
    public static final long OPSET = 17;

    private static final int WRITE_BUFFER_BYTES = 1 << 20;

    private final GraphProto.Builder graph;
    private long floatParameters;
    private long initializerBytes;
    private int nodeCounter;

    public OnnxGraphBuilder(String graphName) {
        graph = GraphProto.newBuilder().setName(Objects.requireNonNull(graphName, "graphName"));
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

        TensorShapeProto.Dimension toProto() {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            return (symbolic() ? d.setDimParam(param) : d.setDimValue(value)).build();
        }
    }

    /** A node attribute; build with the static factories. */
    public static final class Attribute {
        private final AttributeProto proto;

        private Attribute(AttributeProto proto) {
            this.proto = proto;
        }
    }

    public static Attribute intAttr(String name, long value) {
        return new Attribute(attribute(name, AttributeProto.AttributeType.INT).setI(value).build());
    }

    public static Attribute floatAttr(String name, float value) {
        return new Attribute(
                attribute(name, AttributeProto.AttributeType.FLOAT).setF(value).build());
    }

    /** A repeated-int attribute ({@code ints}). */
    public static Attribute intsAttr(String name, long... values) {
        AttributeProto.Builder a = attribute(name, AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return new Attribute(a.build());
    }

    /** A tensor attribute (for example a {@code Constant} node's value) holding float32 data. */
    public static Attribute floatTensorAttr(String name, long[] dims, float[] values) {
        TensorProto tensor = tensor("", dims, TensorProto.DataType.FLOAT, littleEndian(values));
        return new Attribute(
                attribute(name, AttributeProto.AttributeType.TENSOR).setT(tensor).build());
    }

    /** Declares a float32 graph input. */
    public OnnxGraphBuilder input(String name, Dim... dims) {
        graph.addInput(valueInfo(name, dims));
        return this;
    }

    /** Declares a float32 graph output. */
    public OnnxGraphBuilder output(String name, Dim... dims) {
        graph.addOutput(valueInfo(name, dims));
        return this;
    }

    /** Adds a float32 initializer (a weight); {@code values} is copied. */
    public OnnxGraphBuilder floatInitializer(String name, long[] dims, float[] values) {
        checkElementCount(name, dims, values.length);
        addInitializer(tensor(name, dims, TensorProto.DataType.FLOAT, littleEndian(values)));
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
        addInitializer(tensor(name, dims, TensorProto.DataType.FLOAT16, raw.array()));
        floatParameters += values.length;
        return this;
    }

    /** Adds an int64 initializer (shape or index constants; not counted as parameters). */
    public OnnxGraphBuilder int64Initializer(String name, long[] dims, long[] values) {
        checkElementCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
        addInitializer(tensor(name, dims, TensorProto.DataType.INT64, raw.array()));
        return this;
    }

    /** Adds a node named {@code opType_N}; returns that name. */
    public String node(
            String opType, List<String> nodeInputs, List<String> nodeOutputs, Attribute... attrs) {
        String name = opType + "_" + nodeCounter++;
        NodeProto.Builder node =
                NodeProto.newBuilder()
                        .addAllInput(nodeInputs)
                        .addAllOutput(nodeOutputs)
                        .setName(name)
                        .setOpType(opType);
        for (Attribute a : attrs) {
            node.addAttribute(a.proto);
        }
        graph.addNode(node);
        return name;
    }

    /** Number of floating-point (float32 and float16) values held in initializers so far. */
    public long floatParameterCount() {
        return floatParameters;
    }

    /** Writes the model to {@code path}, replacing any file there. */
    public void write(Path path, String producerName) throws IOException {
        ModelProto model = model(producerName);
        try (OutputStream file = Files.newOutputStream(path);
                BufferedOutputStream buffered =
                        new BufferedOutputStream(file, WRITE_BUFFER_BYTES)) {
            CodedOutputStream out = CodedOutputStream.newInstance(buffered, WRITE_BUFFER_BYTES);
            model.writeTo(out);
            out.flush();
        }
    }

    /** The encoded model, for small graphs and tests. */
    public byte[] toByteArray(String producerName) {
        return model(producerName).toByteArray();
    }

    private ModelProto model(String producerName) {
        // Protobuf messages are limited to 2 GiB; larger models need ONNX external data.
        if (initializerBytes > Integer.MAX_VALUE) {
            throw new IllegalStateException(
                    "ONNX model with "
                            + initializerBytes
                            + " bytes of initializers exceeds protobuf's 2 GiB limit");
        }
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(producerName)
                .setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .build();
    }

    private void addInitializer(TensorProto tensor) {
        initializerBytes += tensor.getRawData().size();
        graph.addInitializer(tensor);
    }

    private static TensorProto tensor(
            String name, long[] dims, TensorProto.DataType dataType, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(dataType.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        if (!name.isEmpty()) {
            t.setName(name);
        }
        // raw is ours alone from here on: wrap it rather than copy a weight tensor.
        return t.setRawData(UnsafeByteOperations.unsafeWrap(raw)).build();
    }

    private static ValueInfoProto valueInfo(String name, Dim... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Dim d : dims) {
            shape.addDim(d.toProto());
        }
        TypeProto.Tensor tensorType =
                TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape)
                        .build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(tensorType))
                .build();
    }

    private static AttributeProto.Builder attribute(
            String name, AttributeProto.AttributeType type) {
        return AttributeProto.newBuilder().setName(name).setType(type);
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
                            + Arrays.toString(dims)
                            + " ("
                            + expected
                            + " values) but "
                            + actual
                            + " values were given");
        }
    }
}
