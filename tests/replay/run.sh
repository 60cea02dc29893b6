#!/bin/sh
# Capture-replay suite (make replay): BUILD and CORPUS come from make.
# Picks a Python 3 that has scapy (Debian's python3-scapy lives under
# /usr/bin/python3, which a pyenv or venv python3 earlier in PATH may hide).
set -eu
cd "$(dirname "$0")/../.."
for py in ${PYTHON:-} python3 /usr/bin/python3; do
	if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import scapy' 2>/dev/null; then
		exec "$py" tests/replay/run.py "$@"
	fi
done
echo "replay: no python3 with scapy found (apt-get install python3-scapy)" >&2
exit 1
