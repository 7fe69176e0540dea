#!/usr/bin/env bash
# Install auditapp from this source tree on Debian 12+ or Ubuntu 24.04+, then open it.
#   bash packaging/install-debian.sh            install and open the window
#   bash packaging/install-debian.sh --no-open  install only
# The app goes into its own virtual environment (~/.local/share/auditapp/venv) and a launcher
# into ~/.local/bin; data goes to SQLite in your user-data folder unless you pass --db.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  python3 python3-venv
  # Qt's X11/Wayland platform plugins and fonts
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0
  libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 fonts-dejavu-core
)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! dpkg -s "${PACKAGES[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "auditapp needs Python 3.11 or newer (this system has $(python3 --version))" >&2; exit 1; }

VENV="${XDG_DATA_HOME:-$HOME/.local/share}/auditapp/venv"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q .
mkdir -p "$HOME/.local/bin"
ln -sf "$VENV/bin/auditapp" "$HOME/.local/bin/auditapp"
echo "installed: $("$VENV/bin/auditapp" --version) -> $HOME/.local/bin/auditapp"

if [ "${1:-}" != "--no-open" ]; then
  exec "$VENV/bin/auditapp"
fi
