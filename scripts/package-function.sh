#!/usr/bin/env bash
# Builds one Rust Lambda function for provided.al2023 (static x86_64 musl, the
# size-optimised release-lambda profile), zips it as Lambda expects it (a `bootstrap`
# at the root) and prints the zipped size.
#
#   scripts/package-function.sh create-cluster     # -> target/lambda/create-cluster.zip
#
# TARGET=aarch64-unknown-linux-musl builds for arm64 when that target is installed.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 FUNCTION-NAME (a crate under functions/, e.g. create-cluster)" >&2
    exit 2
fi
name="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${TARGET:-x86_64-unknown-linux-musl}"
if [ ! -f "$repo/functions/$name/Cargo.toml" ]; then
    echo "error: functions/$name/Cargo.toml not found; FUNCTION-NAME must be one of the function crates" >&2
    exit 2
fi

# aws-config's rustls feature brings aws-lc-rs, whose C part needs a musl C compiler:
# Debian's musl-tools installs it as musl-gcc.
if [ "$target" = x86_64-unknown-linux-musl ] && [ -z "${CC_x86_64_unknown_linux_musl:-}" ]; then
    if command -v x86_64-linux-musl-gcc >/dev/null; then
        export CC_x86_64_unknown_linux_musl=x86_64-linux-musl-gcc
    elif command -v musl-gcc >/dev/null; then
        export CC_x86_64_unknown_linux_musl=musl-gcc
    else
        echo "error: no musl C compiler (aws-lc-sys needs one): apt-get install musl-tools" >&2
        exit 1
    fi
fi

cd "$repo"
cargo build --profile release-lambda --target "$target" -p "$name" >&2
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
binary="$target_dir/$target/release-lambda/$name"
out_dir="$target_dir/lambda/$name"
mkdir -p "$out_dir"
cp "$binary" "$out_dir/bootstrap"
rm -f "$target_dir/lambda/$name.zip"
python3 - "$out_dir/bootstrap" "$target_dir/lambda/$name.zip" <<'PY'
import sys, zipfile
bootstrap, archive = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o100755 << 16  # an executable regular file
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(bootstrap, "rb") as source:
        zipped.writestr(info, source.read())
PY
size=$(stat -c %s "$target_dir/lambda/$name.zip")
unzipped=$(stat -c %s "$out_dir/bootstrap")
echo "$name: target/lambda/$name.zip $size bytes zipped ($(python3 -c "print(f'{$size/1048576:.2f}')") MiB), bootstrap $unzipped bytes"
