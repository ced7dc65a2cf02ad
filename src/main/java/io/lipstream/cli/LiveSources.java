package io.lipstream.cli;

import io.lipstream.tools.media.LiveSource;
import io.lipstream.tools.media.MediaException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What an operator typed for a source or receiver, checked once: a live URL or a file. */
final class LiveSources {
    private LiveSources() {}

    /** A live URL or a file; a URL FFmpeg cannot open here is a user error. */
    static LiveSource parse(String location) {
        try {
            return LiveSource.of(location);
        } catch (MediaException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** The file of a non-URL location; a missing one is a user error. */
    static Path file(LiveSource source) {
        Path path = Path.of(source.location());
        if (!Files.isRegularFile(path)) {
            throw new UserError("no such file: " + path);
        }
        return path;
    }
}
