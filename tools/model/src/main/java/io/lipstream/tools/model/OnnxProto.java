package io.lipstream.tools.model;

/**
 * Numbers of onnx.proto (the ONNX model format) that {@link OnnxGraphBuilder} writes and {@link
 * OnnxModelReader} reads: data types, attribute types and the field numbers of each message.
 */
public final class OnnxProto {
    // TensorProto.DataType values.
    public static final int DATA_FLOAT = 1;
    public static final int DATA_INT64 = 7;
    public static final int DATA_FLOAT16 = 10;
    public static final int DATA_DOUBLE = 11;
    public static final int DATA_BFLOAT16 = 16;

    // AttributeProto.AttributeType values.
    static final int ATTRIBUTE_FLOAT = 1;
    static final int ATTRIBUTE_INT = 2;
    static final int ATTRIBUTE_TENSOR = 4;
    static final int ATTRIBUTE_INTS = 7;

    // ModelProto fields.
    static final int MODEL_IR_VERSION = 1;
    static final int MODEL_PRODUCER_NAME = 2;
    static final int MODEL_GRAPH = 7;
    static final int MODEL_OPSET_IMPORT = 8;
    static final int MODEL_PRODUCER_VERSION = 3;

    // GraphProto fields.
    static final int GRAPH_NODE = 1;
    static final int GRAPH_NAME = 2;
    static final int GRAPH_INITIALIZER = 5;
    static final int GRAPH_INPUT = 11;
    static final int GRAPH_OUTPUT = 12;

    // NodeProto fields.
    static final int NODE_INPUT = 1;
    static final int NODE_OUTPUT = 2;
    static final int NODE_NAME = 3;
    static final int NODE_OP_TYPE = 4;
    static final int NODE_ATTRIBUTE = 5;

    // AttributeProto fields.
    static final int ATTR_NAME = 1;
    static final int ATTR_F = 2;
    static final int ATTR_I = 3;
    static final int ATTR_T = 5;
    static final int ATTR_INTS = 8;
    static final int ATTR_TYPE = 20;

    // TensorProto fields (TENSOR_LOCATION_EXTERNAL: a DataLocation value).
    static final int TENSOR_DIMS = 1;
    static final int TENSOR_DATA_TYPE = 2;
    static final int TENSOR_NAME = 8;
    static final int TENSOR_RAW_DATA = 9;
    static final int TENSOR_FLOAT_DATA = 4;
    static final int TENSOR_INT64_DATA = 7;
    static final int TENSOR_DOUBLE_DATA = 10;
    static final int TENSOR_DATA_LOCATION = 14;
    static final int TENSOR_LOCATION_EXTERNAL = 1;

    // ValueInfoProto fields.
    static final int VALUE_INFO_NAME = 1;
    static final int VALUE_INFO_TYPE = 2;

    // TypeProto and TypeProto.Tensor fields.
    static final int TYPE_TENSOR_TYPE = 1;
    static final int TYPE_TENSOR_ELEM_TYPE = 1;
    static final int TYPE_TENSOR_SHAPE = 2;

    // TensorShapeProto fields.
    static final int SHAPE_DIM = 1;

    // TensorShapeProto.Dimension fields.
    static final int DIM_VALUE = 1;
    static final int DIM_PARAM = 2;

    // OperatorSetIdProto fields.
    static final int OPSET_DOMAIN = 1;
    static final int OPSET_VERSION = 2;

    private OnnxProto() {}
}
