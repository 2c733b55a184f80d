#!/usr/bin/env bash
# Creates (or refreshes) the project's Python virtual environment at .venv from the pinned
# requirements: the legacy functions' dependencies, moto server, awslambdaric and pytest,
# and the recorder package from recorder/.
# Idempotent: a venv whose requirements have not changed is left as it is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CUTOVER_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"
# The recorder is installed from the repository (recorder/), so its sources count too: a
# change to it refreshes the venv.
wanted="$(cat "$root/legacy-python/requirements.txt" "$root/legacy-python/requirements-dev.txt" "$root/legacy-python/constraints.txt" \
    "$root/recorder/pyproject.toml" "$root"/recorder/cutover_recorder/*.py | sha256sum | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

echo "setting up the Python environment in $venv" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# One resolve: requirements.txt pins cutover-recorder, and the path given here is where
# pip takes it from (a local path wins over any index for its name). Not editable, so the
# venv holds the files a deploy ships.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$root/legacy-python/requirements-dev.txt" -c "$root/legacy-python/constraints.txt" \
    "$root/recorder"
echo "$wanted" > "$stamp"
