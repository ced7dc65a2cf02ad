package io.lipstream.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints every job option (name, default, meaning), or rewrites README's reference table. */
@Command(
        name = "options",
        mixinStandardHelpOptions = true,
        description = "List every job option (set with -D key=value) with its default and meaning.")
public final class OptionsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--update-readme",
            paramLabel = "README.md",
            description = "Replace the generated table in this file.")
    Path readme;

    @Override
    public Integer call() throws Exception {
        String table = OptionsReference.markdown();
        if (readme == null) {
            spec.commandLine().getOut().print(table);
            spec.commandLine().getOut().flush();
            return 0;
        }
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = text.indexOf(OptionsReference.BEGIN);
        int end = text.indexOf(OptionsReference.END);
        if (begin < 0 || end < begin) {
            throw new UserError(readme + " has no options markers to replace");
        }
        String updated =
                text.substring(0, begin)
                        + table
                        + text.substring(end + OptionsReference.END.length() + 1);
        Files.writeString(readme, updated, StandardCharsets.UTF_8);
        return 0;
    }
}
