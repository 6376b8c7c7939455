#!/usr/bin/env bash
# Build .venv-darts: Darts (with its torch models) in a venv of its own, for
# benchmarks/train_speed.py to compare against. Kept apart from .venv so Darts' many dependencies
# never touch seqcast's; git-ignored.
#
# torch is installed FIRST and pinned to the project's build (torch==2.13.0) through a constraints
# file that the Darts install also reads: a bare `torch` requirement would let pip pull another
# (multi-GB CUDA) build. Re-running is cheap: pip keeps what is already there.
#
#     bash benchmarks/darts_env.sh            # then: .venv-darts/bin/python benchmarks/darts_runner.py --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DARTS_VENV:-$ROOT/.venv-darts}"
TORCH="${TORCH:-torch==2.13.0}"
DARTS="${DARTS:-darts[torch]}"
PYTHON="${PYTHON:-python3}"

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip)
"${PIP[@]}" install --quiet --upgrade pip

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
echo "$TORCH" >"$CONSTRAINTS"

"${PIP[@]}" install --quiet "$TORCH"
"${PIP[@]}" install --quiet --constraint "$CONSTRAINTS" "$DARTS" "$TORCH"

# Fail loudly if anything replaced the pinned build.
"$VENV/bin/python" - "$TORCH" <<'EOF'
import sys

import darts
import torch

wanted = sys.argv[1].split("==", 1)[1]
if torch.__version__.split("+")[0] != wanted:
    sys.exit(f"torch {torch.__version__} in .venv-darts, expected {wanted}")
print(f"darts {darts.__version__}, torch {torch.__version__} (cuda: {torch.version.cuda})")
EOF
