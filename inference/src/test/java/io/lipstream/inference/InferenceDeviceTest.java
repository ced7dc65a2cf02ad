package io.lipstream.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipstream.inference.InferenceDevice.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InferenceDeviceTest {
    @TempDir Path dir;

    @Test
    void shouldParseEachAcceptedForm() {
        assertEquals(new InferenceDevice(Kind.AUTO, 0, false), InferenceDevice.parse("auto"));
        assertEquals(new InferenceDevice(Kind.CPU, 0, false), InferenceDevice.parse("CPU"));
        assertEquals(new InferenceDevice(Kind.CUDA, 0, false), InferenceDevice.parse("cuda"));
        assertEquals(new InferenceDevice(Kind.CUDA, 3, false), InferenceDevice.parse("cuda:3"));
        assertEquals(
                new InferenceDevice(Kind.TENSORRT, 0, false), InferenceDevice.parse("tensorrt"));
        assertEquals(
                new InferenceDevice(Kind.TENSORRT, 1, false),
                InferenceDevice.parse(" tensorrt:1 "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:0", "auto:1", "rocm"})
    void shouldRejectOtherSpecsNamingTheAcceptedForms(String spec) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> InferenceDevice.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("cuda:N"), e.getMessage());
    }

    @Test
    void shouldPrintTheSpecBack() {
        assertEquals("cuda:2", InferenceDevice.parse("cuda:2").toString());
        assertEquals(
                "tensorrt:0 fp16", InferenceDevice.parse("tensorrt").withFp16(true).toString());
        assertEquals("cpu", InferenceDevice.CPU.toString());
    }

    @Test
    void shouldUseCudaForAutoOnlyWhereAGpuIsVisible() {
        assertEquals(Kind.CUDA, DeviceSelection.choose(InferenceDevice.AUTO, true).target().kind());
        DeviceSelection.Choice noGpu = DeviceSelection.choose(InferenceDevice.AUTO, false);
        assertEquals(InferenceDevice.CPU, noGpu.target());
        assertTrue(noGpu.fallbackReason().isEmpty(), "auto on a CPU machine is no fallback");
    }

    @Test
    void shouldFallBackToCpuWithAReasonWhenAGpuIsAskedForButAbsent() {
        DeviceSelection.Choice choice =
                DeviceSelection.choose(InferenceDevice.parse("tensorrt:1").withFp16(true), false);
        assertEquals(InferenceDevice.CPU, choice.target());
        assertTrue(choice.fallbackReason().orElseThrow().startsWith("tensorrt:1 fp16 asked for"));
        assertEquals(
                InferenceDevice.parse("cuda:1"),
                DeviceSelection.choose(InferenceDevice.parse("cuda:1"), true).target());
    }

    @Test
    void shouldSeeAGpuOnlyThroughTheDriversTraces() throws IOException {
        Path gpus = Files.createDirectory(dir.resolve("gpus"));
        Path dev = dir.resolve("nvidia0");
        assertFalse(NvidiaGpus.visible(gpus, dev), "empty gpus folder, no device node");
        assertFalse(NvidiaGpus.visible(dir.resolve("absent"), dev));
        Files.createDirectory(gpus.resolve("0000:3b:00.0"));
        assertTrue(NvidiaGpus.visible(gpus, dev));
        assertTrue(NvidiaGpus.visible(dir.resolve("absent"), Files.createFile(dev)));
    }
}
