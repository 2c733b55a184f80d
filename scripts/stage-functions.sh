#!/usr/bin/env bash
# Builds the eight Rust functions natively (release) and stages each binary where
# cutover.toml expects version "2": target/lambda/<function>/bootstrap. Enough for the
# local Lambda on this machine; `scripts/package-function.sh` builds the static musl zips
# that go to AWS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
functions=(
    validate-cluster-spec create-cluster get-cluster list-clusters
    decommission-cluster check-compliance get-cluster-events pipeline-status
)
packages=()
for function in "${functions[@]}"; do
    packages+=(-p "$function")
done
(cd "$root" && "$cargo" build --release --bins "${packages[@]}")
for function in "${functions[@]}"; do
    mkdir -p "$target_dir/lambda/$function"
    # Copy to a temporary name, then rename: a running sandbox never sees half a file.
    cp "$target_dir/release/$function" "$target_dir/lambda/$function/bootstrap.tmp"
    mv "$target_dir/lambda/$function/bootstrap.tmp" "$target_dir/lambda/$function/bootstrap"
done
echo "staged ${#functions[@]} functions in $target_dir/lambda/<function>/bootstrap" >&2
