#!/usr/bin/env bash
# Creates (or refreshes) the project's Python virtual environment at .venv from the pinned
# requirements: the legacy functions' dependencies, moto server, awslambdaric and pytest.
# Idempotent: a venv whose requirements have not changed is left as it is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CUTOVER_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
stamp="$venv/.requirements.sha256"
wanted="$(cat "$root/legacy-python/requirements.txt" "$root/legacy-python/requirements-dev.txt" "$root/legacy-python/constraints.txt" | sha256sum | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

echo "setting up the Python environment in $venv" >&2
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$root/legacy-python/requirements-dev.txt" -c "$root/legacy-python/constraints.txt"
echo "$wanted" > "$stamp"
