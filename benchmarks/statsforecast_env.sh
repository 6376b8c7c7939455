#!/usr/bin/env bash
# Build .venv-sf: statsforecast (AutoETS / AutoTheta / AutoARIMA, with numba) in a venv of its own,
# for benchmarks/accuracy.py --statsforecast to compare against; kept apart from .venv so its
# dependencies never touch seqcast's; git-ignored. Re-running is cheap: pip keeps what is there.
#
#     bash benchmarks/statsforecast_env.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SF_VENV:-$ROOT/.venv-sf}"
PYTHON="${PYTHON:-python3}"

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "statsforecast>=2" numpy
"$VENV/bin/python" -c "import statsforecast; print('statsforecast', statsforecast.__version__)"
