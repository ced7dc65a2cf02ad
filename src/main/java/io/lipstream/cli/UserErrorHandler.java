package io.lipstream.cli;

import io.lipstream.connectors.kafka.KafkaAccessException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a {@link UserError} (or Kafka refusing the client, {@link KafkaAccessException}) into one
 * line on stderr and exit code 2; anything else is a bug and keeps its stack trace.
 */
final class UserErrorHandler implements IExecutionExceptionHandler {
    static final int USER_ERROR_EXIT = 2;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed)
            throws Exception {
        if (ex instanceof UserError || ex instanceof KafkaAccessException) {
            cmd.getErr().println("lipsync: " + ex.getMessage());
            return USER_ERROR_EXIT;
        }
        throw ex;
    }
}
