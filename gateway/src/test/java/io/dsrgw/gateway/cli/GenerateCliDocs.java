package io.dsrgw.gateway.cli;

import io.dsrgw.conf.cli.CliDocs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Build step (exec-maven-plugin, prepare-package): completion scripts and man page sources of dsr-gateway and
 * dsrctl into {@code args[0]}; see {@link CliDocs}. Lives with the tests so that nothing shipped needs picocli-codegen.
 */
public final class GenerateCliDocs {
    private GenerateCliDocs() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        CliDocs.write(GatewayMain.commandLine(System.out, System.err), out);
        CliDocs.write(DsrctlMain.commandLine(System.out, System.err, null), out);
    }
}
