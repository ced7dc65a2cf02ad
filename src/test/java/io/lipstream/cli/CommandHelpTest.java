package io.lipstream.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import picocli.CommandLine;

/**
 * What {@code --help} shows, for every command and subcommand registered on {@code lipsync} (found
 * by walking the command tree, so commands added later are covered too).
 */
class CommandHelpTest {

    /** The options that only a command running the job can use. */
    private static final Set<String> JOB_STACK_OPTIONS = Set.of("--flink", "--dashboard-port");

    /** Commands that only read or write Kafka topics: they start no job. */
    private static final List<String> KAFKA_CLIENTS = List.of("ingest", "export");

    @Test
    void shouldPrintHelpWithoutAnyWarningForEveryCommand() {
        Map<CommandLine, List<String>> commands = new IdentityHashMap<>();
        collect(Lipsync.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() > 10, "expected the whole command tree, got " + commands);
        List<Executable> checks = new ArrayList<>();
        commands.forEach(
                (command, path) ->
                        checks.add(
                                () -> {
                                    Help help = help(path);
                                    String name = String.join(" ", path);
                                    assertEquals(0, help.exitCode, name + " --help: exit code");
                                    assertTrue(
                                            help.out.contains("Usage: " + name),
                                            name + " --help printed: " + help.out);
                                    assertEquals("", help.err, name + " --help wrote to stderr");
                                }));
        assertAll(checks);
    }

    @Test
    void shouldOfferFlinkOptionsOnlyToCommandsThatRunTheJob() {
        for (String client : KAFKA_CLIENTS) {
            Help help = help(List.of("lipsync", client));
            for (String option : JOB_STACK_OPTIONS) {
                assertFalse(help.out.contains(option), client + " offers " + option);
            }
            assertTrue(help.out.contains("--bootstrap-servers"), client + ": " + help.out);
        }
        for (String runner : List.of("dub", "demo")) {
            Help help = help(List.of("lipsync", runner));
            for (String option : JOB_STACK_OPTIONS) {
                assertTrue(help.out.contains(option), runner + " lacks " + option);
            }
        }
    }

    private static void collect(
            CommandLine command, List<String> parents, Map<CommandLine, List<String>> into) {
        List<String> path = new ArrayList<>(parents);
        path.add(command.getCommandName());
        into.put(command, path);
        for (CommandLine sub : command.getSubcommands().values()) {
            if (!into.containsKey(sub)) { // aliases map to the same command
                collect(sub, path, into);
            }
        }
    }

    /** Runs {@code lipsync <path> --help} (picocli warns on System.err, so that is caught too). */
    private static Help help(List<String> path) {
        CommandLine cli = Lipsync.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(path.subList(1, path.size()));
        CommandLine target = cli;
        for (String name : args) {
            target = target.getSubcommands().get(name);
        }
        boolean hasHelpOption = target.getCommandSpec().optionsMap().containsKey("--help");
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream systemErr = System.err;
        int exitCode;
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            if (hasHelpOption) {
                args.add("--help");
                exitCode = cli.execute(args.toArray(String[]::new));
            } else {
                target.usage(new PrintWriter(out, true));
                exitCode = 0;
            }
        } finally {
            System.setErr(systemErr);
        }
        return new Help(exitCode, out.toString(), err + stderr.toString(StandardCharsets.UTF_8));
    }

    private record Help(int exitCode, String out, String err) {}
}
