package io.dsrgw.agent.cli;

import io.dsrgw.conf.cli.CliDocs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Build step (exec-maven-plugin, prepare-package): the completion script and man page sources of dsr-agent into
 * {@code args[0]}; see {@link CliDocs}. Lives with the tests so that nothing shipped needs picocli-codegen.
 */
public final class GenerateCliDocs {
    private GenerateCliDocs() {
    }

    public static void main(String[] args) throws IOException {
        // Parsing only: no host and no privilege probe are touched while the model is documented.
        CliDocs.write(new AgentCli(null, null, System.out, System.err).commandLine(), Path.of(args[0]));
    }
}
