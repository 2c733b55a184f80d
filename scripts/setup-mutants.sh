#!/usr/bin/env bash
# Installs cargo-mutants (from crates.io) when it is missing. `make mutants` calls this.
set -euo pipefail
VERSION=27.1.0
if command -v cargo-mutants >/dev/null 2>&1 && cargo mutants --version | grep -q "$VERSION"; then
    exit 0
fi
echo "installing cargo-mutants $VERSION" >&2
cargo install cargo-mutants --locked --version "$VERSION"
