package io.dsrgw.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Loads HOCON files into validated, immutable {@link GatewayConfig} / {@link AgentConfig} records.
 *
 * <p>The user's file is merged over {@code reference.conf} (every default, documented there); substitutions
 * ({@code ${...}}) and includes work as in any HOCON file. Validation does not stop at the first problem: a
 * {@link ConfigException} carries all of them, each as {@code file:line path: value (expected: ...)}. A file
 * that is missing, unreadable or not valid HOCON is a ConfigException too, naming the file; so are objects and
 * lists nested deeper than {@link #MAX_NESTING}, include cycles and a required include of a missing file, each
 * at the line that causes it ({@link IncludeScan}): no file makes the loader throw anything else.
 *
 * <p>Both sections may live in one file: {@link #loadGateway} reads {@code dsrgw.gateway} and ignores
 * {@code dsrgw.agent}, and the other way round. Thread-safe; no DNS lookups, no I/O beyond reading the file.
 */
public final class ConfigLoader {

    /** Resource holding every default; merged under each user file. */
    public static final String REFERENCE_RESOURCE = "reference.conf";

    /** Deepest nesting of objects and lists a file may have (the deepest valid config needs about 8). */
    public static final int MAX_NESTING = 64;

    private ConfigLoader() {
    }

    /**
     * @param file a HOCON file with a {@code dsrgw.gateway} section
     * @return the validated gateway configuration
     * @throws ConfigException listing every problem (including a missing/unreadable file or a syntax error)
     */
    public static GatewayConfig loadGateway(Path file) throws ConfigException {
        return load(file, "gateway", GatewayReader::read);
    }

    /**
     * @param file a HOCON file with a {@code dsrgw.agent} section
     * @return the validated agent configuration
     * @throws ConfigException listing every problem (including a missing/unreadable file or a syntax error)
     */
    public static AgentConfig loadAgent(Path file) throws ConfigException {
        return load(file, "agent", AgentReader::read);
    }

    /**
     * @param hocon      configuration text
     * @param originName name used as the file in error messages (e.g. "test.conf")
     * @return the validated gateway configuration
     * @throws ConfigException listing every problem
     */
    public static GatewayConfig parseGateway(String hocon, String originName) throws ConfigException {
        return parse(hocon, originName, "gateway", GatewayReader::read);
    }

    /**
     * @param hocon      configuration text
     * @param originName name used as the file in error messages (e.g. "test.conf")
     * @return the validated agent configuration
     * @throws ConfigException listing every problem
     */
    public static AgentConfig parseAgent(String hocon, String originName) throws ConfigException {
        return parse(hocon, originName, "agent", AgentReader::read);
    }

    private static <T> T load(Path file, String section, Function<ObjectReader, T> reader)
        throws ConfigException {
        String name = file.toString();
        String unreadable = null;
        if (!Files.exists(file)) {
            unreadable = "no such file";
        } else if (Files.isDirectory(file)) {
            unreadable = "is a directory";
        } else if (!Files.isReadable(file)) {
            unreadable = "not readable (permission denied)";
        }
        if (unreadable != null) {
            throw new ConfigException(List.of(new ConfigError(name, 0, "", unreadable,
                "a readable HOCON configuration file")));
        }
        List<ConfigError> scanned = IncludeScan.file(file);
        if (!scanned.isEmpty()) {
            throw new ConfigException(scanned);
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(file.toFile(), options().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw syntax(e, name);
        } catch (StackOverflowError e) {
            throw tooDeep(name);
        }
        return validate(user, name, section, reader);
    }

    /**
     * The backstop behind {@link IncludeScan}: whatever still recurses too deep in Typesafe's parser or resolver
     * (a substitution chain thousands of links long) is an error about the file, never an Error thrown out.
     */
    private static ConfigException tooDeep(String name) {
        return new ConfigException(List.of(new ConfigError(name, 0, "", "nested or chained too deeply to parse",
            "at most " + MAX_NESTING + " nested objects and lists, no long chains of substitutions")));
    }

    private static <T> T parse(String hocon, String originName, String section, Function<ObjectReader, T> reader)
        throws ConfigException {
        List<ConfigError> scanned = IncludeScan.text(hocon, originName);
        if (!scanned.isEmpty()) {
            throw new ConfigException(scanned);
        }
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, options().setOriginDescription(originName));
        } catch (com.typesafe.config.ConfigException e) {
            throw syntax(e, originName);
        } catch (StackOverflowError e) {
            throw tooDeep(originName);
        }
        return validate(user, originName, section, reader);
    }

    private static ConfigParseOptions options() {
        // Always HOCON, whatever the file's extension (".cfg" would otherwise be guessed at).
        return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF);
    }

    private static <T> T validate(Config user, String name, String section, Function<ObjectReader, T> reader)
        throws ConfigException {
        Config reference = Reference.CONFIG;
        Config resolved;
        try {
            // Substitutions may refer to defaults, so resolve against the merged tree, but keep the user's tree
            // for validation: its values carry the user's file and line.
            resolved = user.resolveWith(user.withFallback(reference));
        } catch (com.typesafe.config.ConfigException e) {
            throw syntax(e, name);
        } catch (StackOverflowError e) {
            throw tooDeep(name);
        }
        Problems problems = new Problems(name);
        ObjectReader root = new ObjectReader(problems, "", resolved.root(), reference.root(),
            resolved.root().origin());
        root.allowKeys("dsrgw");
        ObjectReader dsrgw = root.object("dsrgw", false, "an object { gateway { ... } } or { agent { ... } }");
        T result = null;
        if (dsrgw != null) {
            dsrgw.allowKeys("gateway", "agent");
            if (!dsrgw.userHas(section)) {
                dsrgw.missing(section, "a dsrgw." + section + " { ... } section");
            } else {
                ObjectReader s = dsrgw.object(section, true, "an object");
                result = s == null ? null : reader.apply(s);
            }
        }
        if (!problems.isEmpty() || result == null) {
            if (problems.isEmpty()) {
                throw new IllegalStateException("validation failed without a recorded problem: " + name);
            }
            throw new ConfigException(problems.sorted());
        }
        return result;
    }

    /** A syntax error, unresolved substitution or I/O problem reported by Typesafe Config, as one error. */
    private static ConfigException syntax(com.typesafe.config.ConfigException e, String name) {
        ConfigOrigin origin = e.origin();
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        // Typesafe's own hint suggests renaming the file to .properties, which is never right here.
        int hint = message.indexOf(" (if you intended");
        if (hint > 0) {
            message = message.substring(0, hint);
        }
        String expected = "valid HOCON";
        if (message.contains("':'")) {
            expected += "; IPv6 addresses must be quoted, e.g. \"fd00:3::11\"";
        } else if (hint > 0) {
            expected += "; quote strings that contain reserved characters";
        }
        Problems p = new Problems(name);
        p.add(origin, "", message, expected);
        return new ConfigException(p.sorted());
    }

    /** reference.conf, parsed once. */
    private static final class Reference {
        static final Config CONFIG = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(),
            REFERENCE_RESOURCE, options().setAllowMissing(false)).resolve();
    }
}
