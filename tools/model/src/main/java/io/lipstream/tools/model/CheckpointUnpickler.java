package io.lipstream.tools.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Pyrolite's unpickler taught the globals that PyTorch and PaddlePaddle checkpoints reference, with
 * nothing registered globally and no Python code run.
 *
 * <p>Globals are resolved here rather than in Pyrolite's static registry: {@code
 * torch._utils._rebuild_tensor_v2} (and {@code _rebuild_tensor}, {@code _rebuild_parameter}, {@code
 * torch._tensor._rebuild_from_type_v2}) build a {@link TorchTensor} over a storage that {@code
 * persistent_load} resolves through the function given by the caller; {@code torch.FloatStorage}
 * and its siblings name element types; {@code numpy.core.multiarray._reconstruct} (also {@code
 * numpy._core}, NumPy 2) with {@code numpy.ndarray.__setstate__}, {@code numpy.dtype} and {@code
 * numpy.core.numeric._frombuffer} (pickle protocol 5) build a {@link NumpyArray}; {@code
 * collections.OrderedDict} is a {@link PickledDict}. Pyrolite's own constructors cover the builtins
 * ({@code _codecs.encode} carries bytes in protocol 2). Any other global becomes an inert {@link
 * Opaque} so that, say, an optimizer's state never stops a checkpoint from loading.
 */
final class CheckpointUnpickler extends Unpickler {
    private static final Map<String, IObjectConstructor> KNOWN = known();

    private final Function<Object[], Object> persistentLoad;

    /**
     * @param persistentLoad resolves a persistent id (a tuple) to an object, for torch storages;
     *     null when the format has none
     */
    CheckpointUnpickler(Function<Object[], Object> persistentLoad) {
        this.persistentLoad = persistentLoad;
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        if (key == Opcodes.GLOBAL) {
            String module = PickleUtils.readline(input);
            String name = PickleUtils.readline(input);
            stack.add(constructor(module, name));
            return NO_RETURN_VALUE;
        }
        if (key == Opcodes.STACK_GLOBAL) {
            String name = (String) stack.pop();
            String module = (String) stack.pop();
            stack.add(constructor(module, name));
            return NO_RETURN_VALUE;
        }
        return super.dispatch(key);
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (persistentLoad == null || !(pid instanceof Object[])) {
            throw new PickleException(
                    "unexpected persistent id "
                            + describe(pid)
                            + "; only PyTorch storages ('storage', type, key, location, size) are"
                            + " expected");
        }
        return persistentLoad.apply((Object[]) pid);
    }

    private static IObjectConstructor constructor(String module, String name) {
        String qualified = module + "." + name;
        IObjectConstructor c = KNOWN.get(qualified);
        if (c != null) {
            return c;
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            ElementType type = ElementType.ofTorchStorage(name);
            return new StorageClass(qualified, type);
        }
        c = objectConstructors.get(qualified);
        return c != null ? c : args -> new Opaque(qualified, args);
    }

    private static Map<String, IObjectConstructor> known() {
        Map<String, IObjectConstructor> m = new HashMap<>();
        m.put("torch._utils._rebuild_tensor_v2", CheckpointUnpickler::rebuildTensor);
        m.put("torch._utils._rebuild_tensor", CheckpointUnpickler::rebuildTensor);
        // _rebuild_parameter(data, requires_grad, backward_hooks): the data is the tensor.
        m.put("torch._utils._rebuild_parameter", args -> args[0]);
        m.put("torch._utils._rebuild_parameter_with_state", args -> args[0]);
        // _rebuild_from_type_v2(func, new_type, args, state): func(*args) is the tensor.
        m.put(
                "torch._tensor._rebuild_from_type_v2",
                args -> ((IObjectConstructor) args[0]).construct((Object[]) args[2]));
        m.put("collections.OrderedDict", args -> new PickledDict());
        for (String core : new String[] {"numpy.core", "numpy._core"}) {
            m.put(core + ".multiarray._reconstruct", args -> new NumpyArray());
            m.put(core + ".numeric._frombuffer", NumpyArray::fromBuffer);
        }
        m.put("numpy.ndarray", args -> new Opaque("numpy.ndarray", args));
        m.put("numpy.dtype", args -> new NumpyDtype(String.valueOf(args[0])));
        return Map.copyOf(m);
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, ...)}. */
    private static Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof TorchStorage)) {
            throw new PickleException(
                    "_rebuild_tensor_v2 expects (storage, offset, size, stride, ...); got "
                            + describe(args));
        }
        return new TorchTensor(
                (TorchStorage) args[0],
                ((Number) args[1]).longValue(),
                longs(args[2]),
                longs(args[3]));
    }

    static long[] longs(Object tuple) {
        if (tuple instanceof Object[]) {
            Object[] values = (Object[]) tuple;
            long[] out = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = ((Number) values[i]).longValue();
            }
            return out;
        }
        if (tuple instanceof java.util.List) {
            return longs(((java.util.List<?>) tuple).toArray());
        }
        if (tuple instanceof Number) {
            return new long[] {((Number) tuple).longValue()};
        }
        throw new PickleException("expected a tuple of integers, got " + describe(tuple));
    }

    static String describe(Object o) {
        if (o instanceof Object[]) {
            return java.util.Arrays.deepToString((Object[]) o);
        }
        return o == null ? "None" : o.getClass().getSimpleName() + " " + o;
    }

    /** A {@code torch.XxxStorage} class: the element type of the storages it names. */
    record StorageClass(String name, ElementType type) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException(name + " cannot be constructed from a pickle here");
        }
    }

    /**
     * A storage resolved from a persistent id.
     *
     * @param offset elements to skip (a legacy-format view into a larger storage), else 0
     */
    record TorchStorage(String key, ElementType type, long offset, CheckpointTensor.Storage data) {}

    /** {@code _rebuild_tensor_v2}'s arguments; offset, size and stride in elements. */
    record TorchTensor(TorchStorage storage, long offset, long[] size, long[] stride) {
        CheckpointTensor tensor() {
            return new CheckpointTensor(
                    storage.type(), size, stride, storage.offset() + offset, storage.data());
        }
    }

    /** {@code collections.OrderedDict}; attributes set by BUILD (PyTorch's {@code _metadata}). */
    public static final class PickledDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        public void __setstate__(HashMap<?, ?> attributes) {
            // Only instance attributes such as _metadata (module versions); not needed.
        }
    }

    /** {@code numpy.dtype(code, align, copy)} with the byte order from its state. */
    public static final class NumpyDtype {
        private final String code;
        private String byteOrder = "|";

        NumpyDtype(String code) {
            this.code = code;
        }

        /** {@code (version, byteorder, subarray, names, fields, elsize, alignment, flags)}. */
        public void __setstate__(Object[] state) {
            if (state.length > 1 && state[1] instanceof String) {
                byteOrder = (String) state[1];
            }
        }

        ElementType type() {
            return ElementType.ofNumpy(code);
        }

        boolean bigEndian() {
            return byteOrder.equals(">");
        }

        @Override
        public String toString() {
            return byteOrder + code;
        }
    }

    /** A NumPy array as {@code ndarray.__setstate__} or {@code _frombuffer} rebuild it. */
    public static final class NumpyArray {
        private long[] shape;
        private NumpyDtype dtype;
        private boolean fortran;
        private byte[] data;

        /** {@code (version, shape, dtype, is_fortran, rawdata)}; older NumPy omits the version. */
        public void __setstate__(Object[] state) {
            int at = state.length == 5 ? 1 : 0;
            if (state.length - at != 4 || !(state[at + 1] instanceof NumpyDtype)) {
                throw new PickleException(
                        "ndarray state should be (version, shape, dtype, is_fortran, data); got "
                                + state.length
                                + " items");
            }
            shape = longs(state[at]);
            dtype = (NumpyDtype) state[at + 1];
            fortran = Boolean.TRUE.equals(state[at + 2]);
            if (!(state[at + 3] instanceof byte[])) {
                throw new PickleException(
                        "ndarray of dtype "
                                + dtype
                                + " holds "
                                + describe(state[at + 3])
                                + "; only numeric arrays with raw data are supported");
            }
            data = (byte[]) state[at + 3];
        }

        /** {@code _frombuffer(buffer, dtype, shape, order)}, NumPy's protocol-5 reduction. */
        static NumpyArray fromBuffer(Object[] args) {
            if (args.length != 4 || !(args[0] instanceof byte[])) {
                throw new PickleException(
                        "_frombuffer expects (bytes, dtype, shape, order); got " + describe(args));
            }
            NumpyArray a = new NumpyArray();
            a.data = (byte[]) args[0];
            a.dtype = (NumpyDtype) args[1];
            a.shape = longs(args[2]);
            a.fortran = "F".equals(args[3]);
            return a;
        }

        /**
         * The array as a tensor.
         *
         * @throws PickleException for a dtype other than numeric ones
         */
        CheckpointTensor tensor() {
            if (dtype == null) {
                throw new PickleException("ndarray without state");
            }
            ElementType type = dtype.type();
            if (type == null) {
                throw new PickleException("unsupported NumPy dtype " + dtype);
            }
            long[] strides =
                    fortran
                            ? CheckpointTensor.fortranStrides(shape)
                            : CheckpointTensor.contiguousStrides(shape);
            java.nio.ByteOrder order =
                    dtype.bigEndian()
                            ? java.nio.ByteOrder.BIG_ENDIAN
                            : java.nio.ByteOrder.LITTLE_ENDIAN;
            byte[] bytes = data;
            CheckpointTensor.Storage storage =
                    new CheckpointTensor.Storage() {
                        @Override
                        public String describe() {
                            return "the data of a NumPy " + dtype + " array";
                        }

                        @Override
                        public long elements() {
                            return bytes.length / type.bytes();
                        }

                        @Override
                        public java.nio.ByteBuffer bytes() {
                            return java.nio.ByteBuffer.wrap(bytes).order(order);
                        }
                    };
            return new CheckpointTensor(type, shape, strides, 0, storage);
        }
    }

    /** Any other object: kept inert, with the global it came from for messages. */
    public static final class Opaque {
        private final String global;

        Opaque(String global, Object[] args) {
            this.global = global;
        }

        public void __setstate__(Object[] state) {}

        public void __setstate__(HashMap<?, ?> state) {}

        public void __setstate__(ArrayList<?> state) {}

        public void __setstate__(PickledDict state) {}

        @Override
        public String toString() {
            return global + "(...)";
        }
    }
}
