package io.dsrgw.gateway.cli;

/** Bad command line: printed with the usage text, exit code 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
