#!/usr/bin/env bash
# Put auditapp in the desktop's application menu for this user: the .desktop entry, the AppStream
# metainfo and the icons, under ${XDG_DATA_HOME:-~/.local/share}.
#   bash packaging/linux/install-desktop-entry.sh [PATH-TO-AUDITAPP]
# PATH-TO-AUDITAPP defaults to the `auditapp` on PATH; give the bundle's dist/auditapp/auditapp
# to launch a PyInstaller bundle. Works from a source tree or from inside an unpacked bundle.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXE="${1:-$(command -v auditapp || true)}"
[ -n "$EXE" ] && [ -x "$EXE" ] || { echo "usage: $0 PATH-TO-AUDITAPP (no auditapp on PATH)" >&2; exit 2; }
EXE="$(cd "$(dirname "$EXE")" && pwd)/$(basename "$EXE")"

# the icons: beside the source tree's packaging/ or inside the bundle's _internal/
ICONS=""
for candidate in "$HERE/../../auditapp/resources/icons" "$(dirname "$EXE")/_internal/auditapp/resources/icons"; do
  [ -f "$candidate/auditapp.svg" ] && ICONS="$(cd "$candidate" && pwd)" && break
done
[ -n "$ICONS" ] || { echo "cannot find auditapp's icons next to $HERE or $EXE" >&2; exit 1; }

DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
ID=io.auditapp.Auditapp
for png in "$ICONS"/auditapp-*.png; do
  size="${png##*-}"; size="${size%.png}"
  install -Dm644 "$png" "$DATA/icons/hicolor/${size}x${size}/apps/$ID.png"
done
install -Dm644 "$ICONS/auditapp.svg" "$DATA/icons/hicolor/scalable/apps/$ID.svg"
install -Dm644 "$HERE/$ID.metainfo.xml" "$DATA/metainfo/$ID.metainfo.xml"
mkdir -p "$DATA/applications"
sed "s|^Exec=auditapp |Exec=\"$EXE\" |" "$HERE/auditapp.desktop" >"$DATA/applications/auditapp.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA/applications" || true
touch "$DATA/icons/hicolor"  # icon caches notice the change; no cache is written here
echo "installed auditapp.desktop (runs $EXE) and its icons under $DATA"
