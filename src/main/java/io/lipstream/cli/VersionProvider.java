package io.lipstream.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the build version from the jar manifest (or "dev" when run from classes). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Lipsync.class.getPackage().getImplementationVersion();
        return new String[] {"lipsync " + (v == null ? "dev" : v)};
    }
}
