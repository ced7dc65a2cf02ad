package io.lipstream.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository the tests run in (Surefire runs them in the module folder). */
public final class Repository {
    private Repository() {}

    /** The nearest folder at or above the working directory with pom.xml and deploy/k8s. */
    public static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("deploy/k8s"))
                    && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "expected to run inside the repository (a folder with pom.xml and deploy/k8s),"
                        + " found "
                        + Path.of("").toAbsolutePath());
    }
}
