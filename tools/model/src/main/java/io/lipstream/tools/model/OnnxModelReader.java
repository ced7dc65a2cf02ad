package io.lipstream.tools.model;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;

/**
 * Reads what {@code lipsync model inspect} reports from an ONNX file, parsed into the classes
 * protoc generates from onnx.proto: IR version, producer, opsets, declared inputs and outputs,
 * operator counts and the initializers (the weights).
 *
 * <p>The file is memory-mapped and parsed with aliasing, so initializer data is not copied and
 * reading a 145 MB model costs little heap. Initializers kept in ONNX external data files are
 * listed but carry no data.
 */
public final class OnnxModelReader {

    private OnnxModelReader() {}

    /** A declared graph input or output; dims are numbers, symbolic names, or {@code ?}. */
    public record Declared(String name, int elemType, List<String> dims) {
        @Override
        public String toString() {
            return name + " [" + String.join(",", dims) + "]";
        }
    }

    /**
     * One initializer.
     *
     * @param data little-endian element bytes, or null when kept in an external file
     */
    public record Initializer(String name, long[] dims, int dataType, ByteBuffer data) {
        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** Whether this is a weight: a floating-point tensor. */
        public boolean isFloating() {
            return dataType == TensorProto.DataType.FLOAT_VALUE
                    || dataType == TensorProto.DataType.FLOAT16_VALUE
                    || dataType == TensorProto.DataType.DOUBLE_VALUE
                    || dataType == TensorProto.DataType.BFLOAT16_VALUE;
        }

        public boolean isExternal() {
            return data == null;
        }

        /** The values of a float32 initializer. */
        public float[] floats() {
            if (dataType != TensorProto.DataType.FLOAT_VALUE || data == null) {
                throw new IllegalStateException(
                        "initializer " + name + " holds no inline float32 data");
            }
            float[] values = new float[data.remaining() / Float.BYTES];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }

    /** What the file declares. */
    public record Model(
            long irVersion,
            String producerName,
            String producerVersion,
            Map<String, Long> opsets,
            String graphName,
            List<Declared> inputs,
            List<Declared> outputs,
            Map<String, Integer> operatorCounts,
            List<Initializer> initializers) {

        /** The default-domain ({@code ai.onnx}) opset, or -1 when none is imported. */
        public long defaultOpset() {
            Long v = opsets.getOrDefault("", opsets.get("ai.onnx"));
            return v == null ? -1 : v;
        }

        /** Values in floating-point initializers: the model's parameter count. */
        public long parameterCount() {
            long n = 0;
            for (Initializer i : initializers) {
                if (i.isFloating()) {
                    n += i.elementCount();
                }
            }
            return n;
        }

        /**
         * SHA-256 over the floating-point initializers' little-endian bytes in file order (names
         * and graph structure excluded), lower-case hex. External initializers are not included.
         */
        public String weightsSha256() {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM provides SHA-256", e);
            }
            for (Initializer i : initializers) {
                if (i.isFloating() && !i.isExternal()) {
                    sha.update(i.data().duplicate());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    /** Reads {@code onnx}; an IOException says what is malformed. */
    public static Model read(Path onnx) throws IOException {
        MappedByteBuffer bytes;
        try (FileChannel channel = FileChannel.open(onnx, StandardOpenOption.READ)) {
            bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        }
        try {
            return readModel(bytes);
        } catch (IOException | RuntimeException e) {
            throw new IOException(onnx + " is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    static Model readModel(ByteBuffer bytes) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        // Aliasing keeps raw_data a view of the mapped file instead of a copy on the heap.
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        ModelProto model = ModelProto.parseFrom(in);
        GraphProto graph = model.getGraph();
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            opsets.put(opset.getDomain(), opset.getVersion());
        }
        Map<String, Integer> operatorCounts = new LinkedHashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            if (node.hasOpType()) {
                operatorCounts.merge(node.getOpType(), 1, Integer::sum);
            }
        }
        List<Initializer> initializers = new ArrayList<>();
        for (TensorProto tensor : graph.getInitializerList()) {
            initializers.add(initializer(tensor));
        }
        return new Model(
                model.getIrVersion(),
                model.getProducerName(),
                model.getProducerVersion(),
                opsets,
                graph.getName(),
                declared(graph.getInputList()),
                declared(graph.getOutputList()),
                operatorCounts,
                List.copyOf(initializers));
    }

    private static Initializer initializer(TensorProto tensor) {
        long[] shape = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return new Initializer(tensor.getName(), shape, tensor.getDataType(), data(tensor));
    }

    /** Little-endian element bytes from raw_data or the typed fields; null when external. */
    private static ByteBuffer data(TensorProto tensor) {
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return null;
        }
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            return raw.asReadOnlyByteBuffer();
        }
        ByteBuffer typed =
                ByteBuffer.allocate(
                                tensor.getFloatDataCount() * Float.BYTES
                                        + tensor.getInt64DataCount() * Long.BYTES
                                        + tensor.getDoubleDataCount() * Double.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
        tensor.getFloatDataList().forEach(typed::putFloat);
        tensor.getInt64DataList().forEach(typed::putLong);
        tensor.getDoubleDataList().forEach(typed::putDouble);
        return typed.flip();
    }

    private static List<Declared> declared(List<ValueInfoProto> values) {
        List<Declared> declared = new ArrayList<>();
        for (ValueInfoProto value : values) {
            TypeProto.Tensor tensor = value.getType().getTensorType();
            List<String> dims = new ArrayList<>();
            for (TensorShapeProto.Dimension d : tensor.getShape().getDimList()) {
                dims.add(
                        switch (d.getValueCase()) {
                            case DIM_VALUE -> Long.toString(d.getDimValue());
                            case DIM_PARAM -> d.getDimParam();
                            case VALUE_NOT_SET -> "?";
                        });
            }
            declared.add(new Declared(value.getName(), tensor.getElemType(), List.copyOf(dims)));
        }
        return List.copyOf(declared);
    }
}
