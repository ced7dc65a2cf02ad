package io.lipstream.tools.model;

import io.lipstream.tools.model.RandomWeightLayers.BatchNorm;
import io.lipstream.tools.model.Wav2LipArchitecture.Conv;
import io.lipstream.tools.model.Wav2LipArchitecture.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A checkpoint's tensors matched, by name and shape, to every parameter of the Wav2Lip generator
 * ({@link Wav2LipArchitecture#modules()}), or a {@link CheckpointException} that lists every
 * parameter missing, every tensor unexpected and every shape or type that differs. Nothing is
 * matched partially.
 *
 * <p>Names follow the module paths of Rudrabha/Wav2Lip and PaddleGAN, which agree: a block at
 * {@code P} holds {@code P.conv_block.0.weight} and {@code .bias} (the conv) and {@code
 * P.conv_block.1.weight}, {@code .bias} and the running statistics (BatchNorm); PyTorch calls those
 * {@code running_mean}/{@code running_var} and adds {@code num_batches_tracked}, Paddle calls them
 * {@code _mean}/{@code _variance}. The last conv is {@code output_block.1.weight} and {@code
 * .bias}. Conv weights are {@code [C_out, C_in, k, k]}, transposed convs {@code [C_in, C_out, k,
 * k]} in both frameworks.
 */
public final class Wav2LipParameters {
    /** How running statistics are named. */
    public enum Naming {
        PYTORCH("running_mean", "running_var", "PyTorch names (Rudrabha/Wav2Lip)"),
        PADDLE("_mean", "_variance", "PaddlePaddle names (PaddleGAN)");

        private final String mean;
        private final String variance;
        private final String description;

        Naming(String mean, String variance, String description) {
            this.mean = mean;
            this.variance = variance;
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    static final String CONV = ".conv_block.0.";
    static final String NORM = ".conv_block.1.";
    static final String WEIGHT = "weight";
    static final String BIAS = "bias";

    /** PyTorch's BatchNorm step counter: allowed, not needed. */
    static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    /** At most this many names per kind of problem are listed; the count is always given. */
    static final int LISTED_PER_PROBLEM = 40;

    private final Naming naming;
    private final Map<String, CheckpointTensor> tensors;

    private Wav2LipParameters(Naming naming, Map<String, CheckpointTensor> tensors) {
        this.naming = naming;
        this.tensors = tensors;
    }

    /**
     * Matches {@code tensors} to the generator.
     *
     * @throws CheckpointException listing what is missing, unexpected, mis-shaped or not floating
     *     point, when anything is
     */
    public static Wav2LipParameters match(Map<String, CheckpointTensor> tensors)
            throws CheckpointException {
        Naming naming = namingOf(tensors.keySet());
        Map<String, long[]> expected = expected(naming);
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> notFloating = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            CheckpointTensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                misShaped.add(
                        e.getKey()
                                + " is "
                                + Arrays.toString(t.shape())
                                + ", expected "
                                + Arrays.toString(e.getValue()));
            } else if (!t.type().isFloating()) {
                notFloating.add(e.getKey() + " is " + t.type() + ", expected a floating type");
            }
        }
        for (Map.Entry<String, CheckpointTensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (!expected.containsKey(name) && !isStepCounter(name, naming, expected)) {
                unexpected.add(name + " " + e.getValue());
            }
        }
        if (missing.isEmpty()
                && misShaped.isEmpty()
                && notFloating.isEmpty()
                && unexpected.isEmpty()) {
            Map<String, CheckpointTensor> kept = new LinkedHashMap<>();
            expected.keySet().forEach(name -> kept.put(name, tensors.get(name)));
            return new Wav2LipParameters(naming, kept);
        }
        StringBuilder m = new StringBuilder();
        m.append(
                String.format(
                        Locale.ROOT,
                        "the checkpoint does not match the Wav2Lip generator (%d parameters"
                                + " expected, %s; %d tensors found): %d missing, %d unexpected,"
                                + " %d with the wrong shape, %d not floating point",
                        expected.size(),
                        naming,
                        tensors.size(),
                        missing.size(),
                        unexpected.size(),
                        misShaped.size(),
                        notFloating.size()));
        list(m, "missing", missing);
        list(m, "unexpected", unexpected);
        list(m, "wrong shape", misShaped);
        list(m, "wrong type", notFloating);
        throw new CheckpointException(m.toString());
    }

    /** Every parameter the generator has, in forward order, with its shape, named as {@code n}. */
    static Map<String, long[]> expected(Naming n) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Module m : Wav2LipArchitecture.modules()) {
            Conv c = m.conv();
            long[] cout = {c.cout()};
            long k = c.kernel();
            long[] weight =
                    c.transposed()
                            ? new long[] {c.cin(), c.cout(), k, k}
                            : new long[] {c.cout(), c.cin(), k, k};
            if (c.batchNorm()) {
                expected.put(m.path() + CONV + WEIGHT, weight);
                expected.put(m.path() + CONV + BIAS, cout);
                expected.put(m.path() + NORM + WEIGHT, cout);
                expected.put(m.path() + NORM + BIAS, cout);
                expected.put(m.path() + NORM + n.mean, cout);
                expected.put(m.path() + NORM + n.variance, cout);
            } else {
                expected.put(m.path() + "." + WEIGHT, weight);
                expected.put(m.path() + "." + BIAS, cout);
            }
        }
        return expected;
    }

    private static boolean isStepCounter(String name, Naming n, Map<String, long[]> expected) {
        if (n != Naming.PYTORCH || !name.endsWith("." + NUM_BATCHES_TRACKED)) {
            return false;
        }
        String norm = name.substring(0, name.length() - NUM_BATCHES_TRACKED.length());
        return expected.containsKey(norm + n.mean);
    }

    private static Naming namingOf(Iterable<String> names) {
        int torch = 0;
        int paddle = 0;
        for (String name : names) {
            if (name.endsWith("." + Naming.PYTORCH.mean)) {
                torch++;
            } else if (name.endsWith("." + Naming.PADDLE.mean)) {
                paddle++;
            }
        }
        return paddle > torch ? Naming.PADDLE : Naming.PYTORCH;
    }

    private static void list(StringBuilder m, String kind, List<String> items) {
        for (int i = 0; i < Math.min(items.size(), LISTED_PER_PROBLEM); i++) {
            m.append(System.lineSeparator()).append("  ").append(kind).append(": ");
            m.append(items.get(i));
        }
        if (items.size() > LISTED_PER_PROBLEM) {
            m.append(System.lineSeparator())
                    .append("  ... and ")
                    .append(items.size() - LISTED_PER_PROBLEM)
                    .append(" more ")
                    .append(kind);
        }
    }

    public Naming naming() {
        return naming;
    }

    /** Values in the generator's parameters (BatchNorm statistics included): 36,320,787. */
    public long valueCount() {
        long n = 0;
        for (CheckpointTensor t : tensors.values()) {
            n += t.elementCount();
        }
        return n;
    }

    /** Parameter tensors matched. */
    public int tensorCount() {
        return tensors.size();
    }

    /**
     * Values of a parameter by its PyTorch name (for example {@code
     * audio_encoder.0.conv_block.1.running_var}), whatever the checkpoint's naming.
     *
     * @throws CheckpointException when the values cannot be read or are not finite
     * @throws IllegalArgumentException for a name the generator does not have
     */
    float[] values(String pytorchName) throws CheckpointException {
        String name = pytorchName;
        if (naming == Naming.PADDLE) {
            name =
                    name.replace(NORM + Naming.PYTORCH.mean, NORM + Naming.PADDLE.mean)
                            .replace(NORM + Naming.PYTORCH.variance, NORM + Naming.PADDLE.variance);
        }
        CheckpointTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the generator has no parameter " + pytorchName);
        }
        float[] values = t.toFloats();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException(
                        "parameter " + name + " " + t + " holds " + values[i] + " at index " + i);
            }
        }
        return values;
    }

    /** The conv weight of {@code m}, as the checkpoint stores it. */
    float[] weight(Module m) throws CheckpointException {
        return values(m.path() + (m.conv().batchNorm() ? CONV : ".") + WEIGHT);
    }

    /** The conv bias of {@code m}. */
    float[] bias(Module m) throws CheckpointException {
        return values(m.path() + (m.conv().batchNorm() ? CONV : ".") + BIAS);
    }

    /** The BatchNorm after the conv of {@code m}, which must have one. */
    BatchNorm batchNorm(Module m) throws CheckpointException {
        String p = m.path() + NORM;
        return new BatchNorm(
                doubles(values(p + WEIGHT)),
                doubles(values(p + BIAS)),
                doubles(values(p + Naming.PYTORCH.mean)),
                doubles(values(p + Naming.PYTORCH.variance)));
    }

    /**
     * Module paths whose BatchNorm still holds its initial running statistics (every mean 0 and
     * every variance 1): a layer never run in training mode. Folding hides this, so it is checked
     * here, before export.
     */
    public List<String> initialStatistics() throws CheckpointException {
        List<String> initial = new ArrayList<>();
        for (Module m : Wav2LipArchitecture.modules()) {
            if (!m.conv().batchNorm()) {
                continue;
            }
            BatchNorm bn = batchNorm(m);
            boolean fresh = true;
            for (int i = 0; i < bn.mean().length && fresh; i++) {
                fresh = bn.mean()[i] == 0 && bn.variance()[i] == 1;
            }
            if (fresh) {
                initial.add(m.path());
            }
        }
        return initial;
    }

    /** Modules with a BatchNorm: 50 in Wav2Lip. */
    static int batchNormCount() {
        return (int)
                Wav2LipArchitecture.modules().stream().filter(m -> m.conv().batchNorm()).count();
    }

    private static double[] doubles(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return d;
    }
}
