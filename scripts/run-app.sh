#!/usr/bin/env bash
# Set up, bring the store in line with corpus/ (only what changed is re-embedded), and open the chat app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/icassist ingest || echo "run-app: some reports could not be ingested (see above); starting with the rest."
exec .venv/bin/streamlit run app.py --server.address "${ICASSIST_HOST:-127.0.0.1}" --server.port "${ICASSIST_PORT:-8501}"
