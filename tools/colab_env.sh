#!/usr/bin/env bash
# Build a virtual environment with Colab's versions (what `make test-colab` runs the lectures
# in): Python 3.12 where this machine has it (Colab's; else the default Python, said below),
# every package helpers needs at exactly the version in tests/colab_packages.txt, helpers
# itself, and the notebook runner. Usage: tools/colab_env.sh [folder] (default .venv-colab).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-colab}

python=""
candidates=(python3.12)
if command -v pyenv >/dev/null; then
  candidates+=("$(pyenv root)"/versions/3.12*/bin/python3.12)
fi
for candidate in "${candidates[@]}"; do
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  python=${PYTHON:-python3.11}
  echo "colab env: no Python 3.12 here (Colab has 3.12); using $python instead"
fi

if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  rm -rf "$venv"  # made by a Python that is gone
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --constraint tests/colab_packages.txt \
  -e . "jupyter-cache>=1,<2" "nbclient>=0.9,<1" "ipykernel>=6.29,<7" "pytest>=8,<10" \
  "pytest-xdist>=3.5,<4" "pyyaml>=6,<7"
# Say what was installed, and fail if any pinned package ended up at another version.
"$venv/bin/python" - <<'EOF'
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

pins = {}
for line in Path("tests/colab_packages.txt").read_text().splitlines():
    if match := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line.strip()):
        pins[match[1]] = match[2]
wrong = []
for name, pinned in pins.items():
    try:
        got = version(name)
    except PackageNotFoundError:
        continue  # not needed by helpers (Colab has it anyway)
    if got != pinned:
        wrong.append(f"{name} {got} (Colab: {pinned})")
if wrong:
    raise SystemExit(f"colab env: not Colab's versions: {', '.join(wrong)}")
shown = ", ".join(f"{n} {version(n)}" for n in ("tensorflow", "keras", "numpy", "scikit-learn"))
print(f"colab env: Python {platform.python_version()}, {shown} (as tests/colab_packages.txt)")
EOF
