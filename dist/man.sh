#!/bin/sh
# Build step: turns the AsciiDoc man pages picocli generated (DIR/man/*.adoc, see io.dsrgw.conf.cli.CliDocs) into
# troff man pages in DIR/man1, shipped by dist/assembly.xml as share/man/man1.
set -eu
dir=$1
if ! command -v asciidoctor >/dev/null 2>&1; then
  echo "dist/man.sh: asciidoctor not found (expected: the Debian package asciidoctor; apt install asciidoctor, or ./scripts/test installs it)" >&2
  exit 1
fi
mkdir -p "$dir/man1"
for f in "$dir"/man/*.adoc; do
  asciidoctor --failure-level=WARN -b manpage -D "$dir/man1" "$f"
done
