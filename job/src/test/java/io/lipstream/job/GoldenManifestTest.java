package io.lipstream.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The golden files the mel and face tests compare against are the ones their oracle scripts wrote:
 * each folder's {@code MANIFEST.sha256} (the {@code sha256sum} format, which {@code sha256sum -c}
 * reads) lists the SHA-256 of every file in it and of the script that made them, and says how they
 * were made. A golden edited by hand, one added without its hash, or a script changed without its
 * goldens being made again, fails here.
 */
class GoldenManifestTest {
    private static final String MANIFEST = "MANIFEST.sha256";

    /** Where the test resources live, from the module's folder (surefire's working folder). */
    private static final Path RESOURCES = Path.of("src", "test", "resources");

    @ParameterizedTest
    @ValueSource(strings = {"mel-golden", "face-golden"})
    void shouldHoldExactlyTheFilesItsManifestListsWithTheirHashes(String folder) throws Exception {
        Path dir = RESOURCES.resolve(folder);
        Map<String, String> listed = manifest(dir.resolve(MANIFEST));
        List<String> scripts =
                listed.keySet().stream().filter(name -> name.endsWith(".py")).toList();
        assertEquals(1, scripts.size(), folder + ": one oracle script listed: " + scripts);
        assertTrue(Files.isRegularFile(dir.resolve(scripts.get(0))), scripts.get(0));

        TreeSet<String> present = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString())
                    .filter(name -> !name.equals(MANIFEST))
                    .forEach(present::add);
        }
        TreeSet<String> listedHere = new TreeSet<>(listed.keySet());
        listedHere.removeAll(scripts);
        assertEquals(listedHere, present, folder + ": files present = files listed");

        for (Map.Entry<String, String> entry : listed.entrySet()) {
            assertEquals(
                    entry.getValue(),
                    sha256(dir.resolve(entry.getKey())),
                    folder + "/" + entry.getKey() + ": SHA-256 against " + MANIFEST);
        }
    }

    /** File name (relative to the manifest) to hash; lines starting with # are comments. */
    private static Map<String, String> manifest(Path file) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split(" [ *]", 2);
            assertEquals(2, parts.length, "a sha256sum line: " + line);
            assertEquals(64, parts[0].length(), "a SHA-256 in hex: " + line);
            entries.put(parts[1], parts[0]);
        }
        return entries;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    }
}
