package io.dsrgw.conf.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build-time documentation of a program, from the same picocli model that parses its command line (so the two
 * cannot drift apart): a bash completion script ({@code completion/PROGRAM}, also usable from zsh with
 * {@code bashcompinit}) and AsciiDoc man pages, one per command and sub-command ({@code man/PROGRAM.adoc},
 * {@code man/PROGRAM-COMMAND.adoc}), which the build turns into troff with asciidoctor ({@code dist/man.sh}).
 * Needs picocli-codegen, a build-time ({@code provided}) dependency: never called at run time.
 */
public final class CliDocs {
    private CliDocs() {
    }

    /** Writes the completion script and the man page sources of {@code cl} under {@code outDir}. */
    public static void write(CommandLine cl, Path outDir) throws IOException {
        String name = cl.getCommandName();
        Path completion = outDir.resolve("completion");
        Path man = outDir.resolve("man");
        Files.createDirectories(completion);
        Files.createDirectories(man);
        Files.writeString(completion.resolve(name), AutoComplete.bash(name, cl), StandardCharsets.UTF_8);
        int status = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[0], false,
                cl.getCommandSpec());
        if (status != 0) {
            throw new IOException("man pages of " + name + ": ManPageGenerator exit " + status);
        }
    }
}
