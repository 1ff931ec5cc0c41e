#!/usr/bin/env bash
# Set up everything the tests need (dev extras, Debian's Chromium for the browser test), run the test suite,
# then ingest the corpus and run the answer-quality evaluation gate.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the browser test"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
export HF_HUB_OFFLINE=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy src app.py pages
.venv/bin/python -m pytest -q "$@"
.venv/bin/icassist ingest --quiet
.venv/bin/icassist eval --questions evals/questions.jsonl --out "${EVAL_OUT:-data/eval}" --baseline \
  --thresholds evals/thresholds.toml
