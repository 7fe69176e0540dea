# Sourced by .ci/run and .ci/package: which python3 makes their virtual environments.
# Debian's own CPython (built with profile-guided and link-time optimisation, libpython linked
# into the executable) runs auditapp about a quarter faster on the same machine than a python3
# built from source with default options (pyenv's default: neither, and a shared libpython).
# It is used when it is 3.11 or newer, can make a venv and has its shared libpython installed
# (PyInstaller bundles that); $PYTHON chooses another.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
  elif /usr/bin/python3 -c '
import ensurepip, os, sys, sysconfig
assert sys.version_info >= (3, 11)
shared = sysconfig.get_config_var("INSTSONAME")
assert shared and os.path.exists(os.path.join(sysconfig.get_config_var("LIBDIR"), shared))
' 2>/dev/null; then
    echo /usr/bin/python3
  else
    echo python3
  fi
}
