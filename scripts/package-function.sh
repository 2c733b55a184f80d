#!/usr/bin/env bash
# Kept for muscle memory: packages Rust Lambda functions with `cutover package`, which
# builds each as a static musl `bootstrap` (the size-optimised release-lambda profile),
# zips it for provided.al2023 and prints the sizes against the 3 MB target.
#
#   scripts/package-function.sh create-cluster            # -> target/lambda/create-cluster.zip
#   scripts/package-function.sh --all --arch arm64        # any `cutover package` arguments
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
exec cargo run --quiet -p cutover -- package "$@"
