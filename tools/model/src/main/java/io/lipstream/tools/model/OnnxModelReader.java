package io.lipstream.tools.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
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

/**
 * Reads what {@code lipsync model inspect} reports from an ONNX file, by onnx.proto field numbers
 * with protobuf-java's {@link CodedInputStream}: IR version, producer, opsets, declared inputs and
 * outputs, operator counts and the initializers (the weights). Unknown fields are skipped.
 *
 * <p>The file is memory-mapped and initializer data is not copied, so reading a 145 MB model costs
 * little heap. Initializers kept in ONNX external data files are listed but carry no data.
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
            return dataType == OnnxProto.DATA_FLOAT
                    || dataType == OnnxProto.DATA_FLOAT16
                    || dataType == OnnxProto.DATA_DOUBLE
                    || dataType == OnnxProto.DATA_BFLOAT16;
        }

        public boolean isExternal() {
            return data == null;
        }

        /** The values of a float32 initializer. */
        public float[] floats() {
            if (dataType != OnnxProto.DATA_FLOAT || data == null) {
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
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        ModelBuilder m = new ModelBuilder();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case OnnxProto.MODEL_IR_VERSION -> m.irVersion = in.readInt64();
                case OnnxProto.MODEL_PRODUCER_NAME -> m.producerName = in.readString();
                case OnnxProto.MODEL_PRODUCER_VERSION -> m.producerVersion = in.readString();
                case OnnxProto.MODEL_GRAPH -> nested(in, () -> readGraph(in, m));
                case OnnxProto.MODEL_OPSET_IMPORT -> nested(in, () -> readOpset(in, m.opsets));
                default -> in.skipField(tag);
            }
        }
        return new Model(
                m.irVersion,
                m.producerName,
                m.producerVersion,
                m.opsets,
                m.graphName,
                List.copyOf(m.inputs),
                List.copyOf(m.outputs),
                m.operatorCounts,
                List.copyOf(m.initializers));
    }

    private static final class ModelBuilder {
        long irVersion;
        String producerName = "";
        String producerVersion = "";
        String graphName = "";
        final Map<String, Long> opsets = new LinkedHashMap<>();
        final List<Declared> inputs = new ArrayList<>();
        final List<Declared> outputs = new ArrayList<>();
        final Map<String, Integer> operatorCounts = new LinkedHashMap<>();
        final List<Initializer> initializers = new ArrayList<>();
    }

    private interface Body {
        void read() throws IOException;
    }

    /** Reads one length-delimited sub-message with {@code body}. */
    private static void nested(CodedInputStream in, Body body) throws IOException {
        int length = in.readRawVarint32();
        int previous = in.pushLimit(length);
        body.read();
        in.checkLastTagWas(0);
        in.popLimit(previous);
    }

    private static void readGraph(CodedInputStream in, ModelBuilder m) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case OnnxProto.GRAPH_NODE -> nested(in, () -> readNode(in, m.operatorCounts));
                case OnnxProto.GRAPH_NAME -> m.graphName = in.readString();
                case OnnxProto.GRAPH_INITIALIZER ->
                        nested(in, () -> m.initializers.add(readTensor(in)));
                case OnnxProto.GRAPH_INPUT -> nested(in, () -> m.inputs.add(readValueInfo(in)));
                case OnnxProto.GRAPH_OUTPUT -> nested(in, () -> m.outputs.add(readValueInfo(in)));
                default -> in.skipField(tag);
            }
        }
    }

    private static void readNode(CodedInputStream in, Map<String, Integer> counts)
            throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == OnnxProto.NODE_OP_TYPE) {
                counts.merge(in.readString(), 1, Integer::sum);
            } else {
                in.skipField(tag);
            }
        }
    }

    private static void readOpset(CodedInputStream in, Map<String, Long> opsets)
            throws IOException {
        String domain = "";
        long version = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case OnnxProto.OPSET_DOMAIN -> domain = in.readString();
                case OnnxProto.OPSET_VERSION -> version = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        opsets.put(domain, version);
    }

    private static Initializer readTensor(CodedInputStream in) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        TypedValues typed = new TypedValues();
        boolean external = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (field) {
                case OnnxProto.TENSOR_DIMS -> readRepeatedInt64(in, packed, dims);
                case OnnxProto.TENSOR_DATA_TYPE -> dataType = in.readInt32();
                case OnnxProto.TENSOR_NAME -> name = in.readString();
                case OnnxProto.TENSOR_RAW_DATA -> raw = in.readByteBuffer();
                case OnnxProto.TENSOR_FLOAT_DATA -> typed.readFloats(in, packed);
                case OnnxProto.TENSOR_INT64_DATA -> typed.readInt64s(in, packed);
                case OnnxProto.TENSOR_DOUBLE_DATA -> typed.readDoubles(in, packed);
                case OnnxProto.TENSOR_DATA_LOCATION ->
                        external = in.readEnum() == OnnxProto.TENSOR_LOCATION_EXTERNAL;
                default -> in.skipField(tag);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        ByteBuffer data = external ? null : raw != null ? raw : typed.littleEndian();
        return new Initializer(name, shape, dataType, data);
    }

    private static void readRepeatedInt64(CodedInputStream in, boolean packed, List<Long> into)
            throws IOException {
        if (!packed) {
            into.add(in.readInt64());
            return;
        }
        int previous = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
            into.add(in.readInt64());
        }
        in.popLimit(previous);
    }

    /** Values given in TensorProto's typed fields instead of raw_data, kept as LE bytes. */
    private static final class TypedValues {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void readFloats(CodedInputStream in, boolean packed) throws IOException {
            readEach(in, packed, () -> put(scratch.clear().putFloat(in.readFloat())));
        }

        void readDoubles(CodedInputStream in, boolean packed) throws IOException {
            readEach(in, packed, () -> put(scratch.clear().putDouble(in.readDouble())));
        }

        void readInt64s(CodedInputStream in, boolean packed) throws IOException {
            readEach(in, packed, () -> put(scratch.clear().putLong(in.readInt64())));
        }

        private void put(ByteBuffer filled) {
            bytes.write(filled.array(), 0, filled.position());
        }

        private static void readEach(CodedInputStream in, boolean packed, Body one)
                throws IOException {
            if (!packed) {
                one.read();
                return;
            }
            int previous = in.pushLimit(in.readRawVarint32());
            while (in.getBytesUntilLimit() > 0) {
                one.read();
            }
            in.popLimit(previous);
        }

        ByteBuffer littleEndian() {
            return ByteBuffer.wrap(bytes.toByteArray());
        }
    }

    private static Declared readValueInfo(CodedInputStream in) throws IOException {
        String[] name = {""};
        int[] elemType = {0};
        List<String> dims = new ArrayList<>();
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case OnnxProto.VALUE_INFO_NAME -> name[0] = in.readString();
                case OnnxProto.VALUE_INFO_TYPE -> nested(in, () -> readType(in, elemType, dims));
                default -> in.skipField(tag);
            }
        }
        return new Declared(name[0], elemType[0], List.copyOf(dims));
    }

    private static void readType(CodedInputStream in, int[] elemType, List<String> dims)
            throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) != OnnxProto.TYPE_TENSOR_TYPE) {
                in.skipField(tag);
                continue;
            }
            nested(
                    in,
                    () -> {
                        for (int t = in.readTag(); t != 0; t = in.readTag()) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case OnnxProto.TYPE_TENSOR_ELEM_TYPE ->
                                        elemType[0] = in.readInt32();
                                case OnnxProto.TYPE_TENSOR_SHAPE ->
                                        nested(in, () -> readShape(in, dims));
                                default -> in.skipField(t);
                            }
                        }
                    });
        }
    }

    private static void readShape(CodedInputStream in, List<String> dims) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) != OnnxProto.SHAPE_DIM) {
                in.skipField(tag);
                continue;
            }
            String[] dim = {"?"};
            nested(
                    in,
                    () -> {
                        for (int t = in.readTag(); t != 0; t = in.readTag()) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case OnnxProto.DIM_VALUE -> dim[0] = Long.toString(in.readInt64());
                                case OnnxProto.DIM_PARAM -> dim[0] = in.readString();
                                default -> in.skipField(t);
                            }
                        }
                    });
            dims.add(dim[0]);
        }
    }
}
