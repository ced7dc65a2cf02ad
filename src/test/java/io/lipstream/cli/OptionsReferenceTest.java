package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsReferenceTest {
    @Test
    void readmeShouldListEveryOptionExactlyAsTheCodeDefinesIt() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int begin = readme.indexOf(OptionsReference.BEGIN);
        int end = readme.indexOf(OptionsReference.END);
        assertTrue(begin >= 0 && end > begin, "README.md lacks the options markers");
        assertEquals(
                OptionsReference.markdown(),
                readme.substring(begin, end + OptionsReference.END.length() + 1),
                "README's option table is stale: run ./lipsync options --update-readme README.md");
    }

    @Test
    void shouldNameEveryOptionOnce() {
        var keys = OptionsReference.all().stream().map(o -> o.key()).toList();
        assertEquals(keys.size(), keys.stream().distinct().count(), keys.toString());
        assertTrue(keys.contains("inference.batch-size"));
        assertTrue(keys.contains("alignment.max-audio-wait"));
    }
}
