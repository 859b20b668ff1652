package io.dsrgw.conf;

import java.io.Serial;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration could not be loaded. Carries every problem found, not just the first, so that an operator
 * fixes a file in one round; {@link #getMessage()} is all of them, one per line, each in the form
 * {@code file:line path: value (expected: ...)}.
 */
public final class ConfigException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient List<ConfigError> errors;

    /** @param errors at least one problem */
    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** @return every problem, ordered by file and line */
    public List<ConfigError> errors() {
        return errors;
    }
}
