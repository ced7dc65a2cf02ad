package io.lipstream.tools.model;

import io.lipstream.tools.model.CheckpointUnpickler.NumpyArray;
import io.lipstream.tools.model.CheckpointUnpickler.TorchTensor;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.PickleException;

/**
 * Reads the tensors of a PyTorch or PaddlePaddle checkpoint without Python.
 *
 * <ul>
 *   <li>PyTorch zip archives ({@code torch.save} since 1.6): {@code <name>/data.pkl} holds the
 *       pickled object whose tensors are {@code _rebuild_tensor_v2(persistent_load(('storage',
 *       torch.FloatStorage, key, location, numel)), offset, size, stride, ...)}; the raw
 *       little-endian storage is {@code <name>/data/<key>} ({@code <name>/byteorder} may say big).
 *   <li>PyTorch legacy files (before 1.6): pickles of a magic number, the protocol version and
 *       system info, the object (persistent ids with a sixth view field), the list of storage keys;
 *       then per key an int64 element count and the raw bytes.
 *   <li>Plain pickles (protocol 2 to 5) of NumPy arrays, which is what {@code paddle.save} writes
 *       for a state dict ({@code .pdparams}).
 * </ul>
 *
 * <p>The parameters are the top-level dict, or its {@code state_dict} entry when there is one (as
 * Rudrabha/Wav2Lip's training scripts save it, next to the optimizer state); a {@code module.}
 * prefix (left by {@code DataParallel}) is removed. Entries that are not tensors are skipped and
 * named in {@link Checkpoint#notes()}. PyTorch storages are read only when a tensor's values are
 * asked for, so optimizer state in a checkpoint costs no memory.
 */
public final class CheckpointReader {
    /** torch/serialization.py MAGIC_NUMBER, the first pickle of a legacy file. */
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    /** torch/serialization.py PROTOCOL_VERSION of legacy files. */
    static final int LEGACY_PROTOCOL = 1001;

    /** The wrapper key of Rudrabha/Wav2Lip's training checkpoints. */
    static final String STATE_DICT = "state_dict";

    /** Left in front of every name by torch.nn.DataParallel. */
    static final String DATA_PARALLEL_PREFIX = "module.";

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final int READ_BUFFER = 1 << 16;
    private static final int NOTE_NAMES = 8;

    private CheckpointReader() {}

    /**
     * Opens {@code file} and finds its tensors.
     *
     * @throws CheckpointException when the file is not a checkpoint this reads, or holds no tensors
     * @throws IOException when the file cannot be read
     */
    public static Checkpoint read(Path file) throws IOException, CheckpointException {
        byte[] head = new byte[ZIP_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                throw new CheckpointException(
                        file + " is too short to be a checkpoint (" + Files.size(file) + " bytes)");
            }
        }
        if (java.util.Arrays.equals(head, ZIP_MAGIC)) {
            return readZip(file);
        }
        if ((head[0] & 0xff) != 0x80) {
            throw new CheckpointException(
                    file
                            + " is neither a zip archive nor a pickle (it starts with bytes "
                            + String.format(
                                    "%02x %02x %02x %02x", head[0], head[1], head[2], head[3])
                            + "); expected a PyTorch .pth/.pt or a PaddlePaddle .pdparams file");
        }
        return readPickleStream(file);
    }

    private static Checkpoint readZip(Path file) throws IOException, CheckpointException {
        ZipFile zip = new ZipFile(file.toFile());
        try {
            String pickle = dataPickle(zip, file);
            String prefix = pickle.substring(0, pickle.length() - "data.pkl".length());
            ByteOrder order = byteOrder(zip, prefix);
            Object top;
            try (InputStream in =
                    new BufferedInputStream(
                            zip.getInputStream(zip.getEntry(pickle)), READ_BUFFER)) {
                CheckpointUnpickler unpickler =
                        new CheckpointUnpickler(
                                pid -> {
                                    StorageId id = StorageId.of(pid);
                                    return new CheckpointUnpickler.TorchStorage(
                                            id.key,
                                            id.type,
                                            0,
                                            new ZipStorage(
                                                    zip, prefix + "data/" + id.key, id, order));
                                });
                top = unpickler.load(in);
            } catch (PickleException | ClassCastException e) {
                throw unreadable(file, "its data.pkl", e);
            }
            List<String> notes = new ArrayList<>();
            return new Checkpoint(
                    Checkpoint.Format.TORCH_ZIP, stateDict(top, file, notes), notes, zip);
        } catch (IOException | CheckpointException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    private static String dataPickle(ZipFile zip, Path file) throws CheckpointException {
        String found = null;
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.lastIndexOf('/')) {
                found = name;
            }
        }
        if (found == null) {
            throw new CheckpointException(
                    file
                            + " is a zip archive without <name>/data.pkl; expected a PyTorch"
                            + " checkpoint saved by torch.save");
        }
        return found;
    }

    private static ByteOrder byteOrder(ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return ByteOrder.LITTLE_ENDIAN; // written only since PyTorch 2.1; before, always little
        }
        try (InputStream in = zip.getInputStream(entry)) {
            String order = new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
            return order.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        }
    }

    /** A plain pickle, or a legacy PyTorch file whose first pickle is the magic number. */
    private static Checkpoint readPickleStream(Path file) throws IOException, CheckpointException {
        Map<String, LegacyStorage> storages = new LinkedHashMap<>();
        CheckpointUnpickler unpickler =
                new CheckpointUnpickler(
                        pid -> {
                            StorageId id = StorageId.of(pid);
                            LegacyStorage s =
                                    storages.computeIfAbsent(
                                            id.key, k -> new LegacyStorage(file, id));
                            long viewOffset = id.viewOffset;
                            return new CheckpointUnpickler.TorchStorage(
                                    id.key, id.type, viewOffset, s);
                        });
        Object top;
        Checkpoint.Format format;
        try (CountingInputStream in =
                new CountingInputStream(
                        new BufferedInputStream(Files.newInputStream(file), READ_BUFFER))) {
            Object first = unpickler.load(in);
            if (LEGACY_MAGIC.equals(first)) {
                format = Checkpoint.Format.TORCH_LEGACY;
                Object protocol = unpickler.load(in);
                if (!(protocol instanceof Number)
                        || ((Number) protocol).intValue() != LEGACY_PROTOCOL) {
                    throw new CheckpointException(
                            file
                                    + " is a legacy PyTorch file of protocol "
                                    + protocol
                                    + "; expected "
                                    + LEGACY_PROTOCOL);
                }
                Object sysInfo = unpickler.load(in);
                ByteOrder order =
                        sysInfo instanceof Map
                                        && Boolean.FALSE.equals(
                                                ((Map<?, ?>) sysInfo).get("little_endian"))
                                ? ByteOrder.BIG_ENDIAN
                                : ByteOrder.LITTLE_ENDIAN;
                top = unpickler.load(in);
                Object keys = unpickler.load(in);
                locateLegacyStorages(file, in, keys, storages, order);
            } else {
                format = Checkpoint.Format.NUMPY_PICKLE;
                top = first;
            }
        } catch (PickleException | ClassCastException e) {
            throw unreadable(file, "its pickle", e);
        }
        List<String> notes = new ArrayList<>();
        return new Checkpoint(format, stateDict(top, file, notes), notes, null);
    }

    /** Walks the raw storages after the pickles, recording where each one's bytes start. */
    private static void locateLegacyStorages(
            Path file,
            CountingInputStream in,
            Object keys,
            Map<String, LegacyStorage> storages,
            ByteOrder order)
            throws IOException, CheckpointException {
        if (!(keys instanceof List)) {
            throw new CheckpointException(
                    file
                            + ": expected the list of storage keys after the object, found "
                            + CheckpointUnpickler.describe(keys));
        }
        for (Object k : (List<?>) keys) {
            String key = String.valueOf(k);
            LegacyStorage s = storages.get(key);
            byte[] count = in.readNBytes(Long.BYTES);
            if (count.length < Long.BYTES || s == null) {
                throw new CheckpointException(
                        file
                                + ": storage "
                                + key
                                + (s == null
                                        ? " is listed but no tensor uses it"
                                        : " is cut off (file truncated?)"));
            }
            long elements = ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).getLong();
            s.locate(in.count(), elements, order);
            long bytes = elements * s.id.type.bytes();
            if (in.skipNBytesCounted(bytes) < bytes) {
                throw new CheckpointException(
                        file
                                + ": storage "
                                + key
                                + " should hold "
                                + bytes
                                + " bytes but the file ends first");
            }
        }
        for (LegacyStorage s : storages.values()) {
            if (!s.located()) {
                throw new CheckpointException(
                        file + ": storage " + s.id.key + " is used but its data is missing");
            }
        }
    }

    /** Unwraps, strips prefixes and keeps the tensors. */
    private static Map<String, CheckpointTensor> stateDict(
            Object top, Path file, List<String> notes) throws CheckpointException {
        if (!(top instanceof Map)) {
            throw new CheckpointException(
                    file
                            + " holds "
                            + CheckpointUnpickler.describe(top)
                            + "; expected a dict of tensors (a state dict)");
        }
        Map<?, ?> dict = (Map<?, ?>) top;
        if (dict.get(STATE_DICT) instanceof Map) {
            TreeSet<String> others = new TreeSet<>();
            dict.keySet().forEach(k -> others.add(String.valueOf(k)));
            others.remove(STATE_DICT);
            notes.add(
                    "parameters read from its '"
                            + STATE_DICT
                            + "' entry"
                            + (others.isEmpty() ? "" : " (the file also holds " + others + ")"));
            dict = (Map<?, ?>) dict.get(STATE_DICT);
        }
        Map<String, CheckpointTensor> tensors = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        int prefixed = 0;
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String name = String.valueOf(e.getKey());
            CheckpointTensor tensor;
            try {
                tensor = tensorOf(e.getValue());
            } catch (PickleException ex) {
                throw new CheckpointException(
                        file + ": entry " + name + " cannot be read: " + ex.getMessage(), ex);
            }
            if (tensor == null) {
                skipped.add(name);
                continue;
            }
            if (name.startsWith(DATA_PARALLEL_PREFIX)) {
                name = name.substring(DATA_PARALLEL_PREFIX.length());
                prefixed++;
            }
            if (tensors.put(name, tensor) != null) {
                throw new CheckpointException(
                        file
                                + " holds "
                                + name
                                + " twice (with and without the "
                                + DATA_PARALLEL_PREFIX
                                + " prefix)");
            }
        }
        if (prefixed > 0) {
            notes.add(
                    "removed the '"
                            + DATA_PARALLEL_PREFIX
                            + "' prefix (torch.nn.DataParallel) from "
                            + prefixed
                            + " names");
        }
        if (!skipped.isEmpty()) {
            notes.add(
                    "skipped "
                            + skipped.size()
                            + " entries that are not tensors: "
                            + String.join(
                                    ", ", skipped.subList(0, Math.min(NOTE_NAMES, skipped.size())))
                            + (skipped.size() > NOTE_NAMES ? ", ..." : ""));
        }
        if (tensors.isEmpty()) {
            TreeSet<String> keys = new TreeSet<>();
            dict.keySet().forEach(k -> keys.add(String.valueOf(k)));
            throw new CheckpointException(
                    file + " holds no tensors; its dict has the keys " + keys);
        }
        return tensors;
    }

    private static CheckpointTensor tensorOf(Object value) {
        if (value instanceof TorchTensor) {
            return ((TorchTensor) value).tensor();
        }
        if (value instanceof NumpyArray) {
            return ((NumpyArray) value).tensor();
        }
        return null;
    }

    private static CheckpointException unreadable(Path file, String what, Exception e) {
        return new CheckpointException(
                file + ": " + what + " cannot be read: " + e.getMessage(), e);
    }

    /** A persistent id {@code ('storage', type, key, location, numel[, view])}, checked. */
    private static final class StorageId {
        final ElementType type;
        final String key;
        final long elements;
        final long viewOffset;

        private StorageId(ElementType type, String key, long elements, long viewOffset) {
            this.type = type;
            this.key = key;
            this.elements = elements;
            this.viewOffset = viewOffset;
        }

        static StorageId of(Object[] pid) {
            if (pid.length < 5
                    || !"storage".equals(pid[0])
                    || !(pid[1] instanceof CheckpointUnpickler.StorageClass)) {
                throw new PickleException(
                        "persistent id "
                                + CheckpointUnpickler.describe(pid)
                                + " is not ('storage', torch.XxxStorage, key, location, size)");
            }
            CheckpointUnpickler.StorageClass kind = (CheckpointUnpickler.StorageClass) pid[1];
            if (kind.type() == null) {
                throw new PickleException("unsupported storage type " + kind.name());
            }
            long viewOffset = 0;
            if (pid.length > 5 && pid[5] instanceof Object[]) {
                // Legacy views (view_key, offset, view_size): offset in elements of the root.
                viewOffset = ((Number) ((Object[]) pid[5])[1]).longValue();
            }
            return new StorageId(
                    kind.type(), String.valueOf(pid[2]), ((Number) pid[4]).longValue(), viewOffset);
        }
    }

    /** A storage inside a PyTorch zip archive, read from its entry when needed. */
    private static final class ZipStorage implements CheckpointTensor.Storage {
        private final ZipFile zip;
        private final String entry;
        private final StorageId id;
        private final ByteOrder order;

        ZipStorage(ZipFile zip, String entry, StorageId id, ByteOrder order) {
            this.zip = zip;
            this.entry = entry;
            this.id = id;
            this.order = order;
        }

        @Override
        public String describe() {
            return "storage " + id.key + " (" + entry + ")";
        }

        @Override
        public long elements() {
            return id.elements;
        }

        @Override
        public ByteBuffer bytes() throws IOException {
            ZipEntry e = zip.getEntry(entry);
            if (e == null) {
                throw new IOException("the archive has no entry " + entry);
            }
            try (InputStream in = zip.getInputStream(e)) {
                return ByteBuffer.wrap(in.readAllBytes()).order(order);
            }
        }
    }

    /** A storage of a legacy file: its bytes lie at a known offset after the pickles. */
    private static final class LegacyStorage implements CheckpointTensor.Storage {
        private final Path file;
        private final StorageId id;
        private long position = -1;
        private long elements;
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        LegacyStorage(Path file, StorageId id) {
            this.file = file;
            this.id = id;
        }

        void locate(long position, long elements, ByteOrder order) {
            this.position = position;
            this.elements = elements;
            this.order = order;
        }

        boolean located() {
            return position >= 0;
        }

        @Override
        public String describe() {
            return "storage " + id.key;
        }

        @Override
        public long elements() {
            return elements;
        }

        @Override
        public ByteBuffer bytes() throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(elements * id.type.bytes()));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long at = position;
                while (buffer.hasRemaining()) {
                    int n = channel.read(buffer, at);
                    if (n < 0) {
                        throw new IOException("file ends inside storage " + id.key);
                    }
                    at += n;
                }
            }
            return buffer.flip().order(order);
        }
    }

    /** Counts the bytes consumed, so the storages after the pickles can be located. */
    private static final class CountingInputStream extends FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }

        /** Skips up to {@code n} bytes (fewer only at the end); returns how many. */
        long skipNBytesCounted(long n) throws IOException {
            long done = 0;
            while (done < n) {
                long s = skip(n - done);
                if (s <= 0) {
                    if (read() < 0) {
                        break;
                    }
                    s = 1;
                }
                done += s;
            }
            return done;
        }
    }
}
