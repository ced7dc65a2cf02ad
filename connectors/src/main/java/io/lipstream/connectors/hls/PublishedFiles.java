package io.lipstream.connectors.hls;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Temporary files that become output a player or web server reads once renamed into place: unlike
 * {@link Files#createTempFile}'s owner-only files, they are readable by everyone (rw-r--r--).
 */
public final class PublishedFiles {
    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> READABLE =
            PosixFilePermissions.fromString("rw-r--r--");

    private PublishedFiles() {}

    /** A new empty file in {@code dir}, to be renamed onto its published name. */
    public static Path createTemp(Path dir, String prefix, String suffix) throws IOException {
        if (!POSIX) {
            return Files.createTempFile(dir, prefix, suffix);
        }
        FileAttribute<Set<PosixFilePermission>> readable =
                PosixFilePermissions.asFileAttribute(READABLE);
        Path file = Files.createTempFile(dir, prefix, suffix, readable);
        // The creation mode is masked by the umask; published output must be world-readable.
        Files.setPosixFilePermissions(file, READABLE);
        return file;
    }
}
