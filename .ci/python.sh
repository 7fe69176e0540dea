# Sourced by .ci/run and .ci/package: which python3 makes their virtual environments.
# Debian's own CPython (built with profile-guided and link-time optimisation, libpython linked
# into the executable) runs auditapp about a quarter faster on the same machine than a python3
# built from source with default options (pyenv's default: neither, and a shared libpython).
# It is used when it is 3.11 or newer and can make a venv; $PYTHON chooses another.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
  elif /usr/bin/python3 -c 'import sys, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo /usr/bin/python3
  else
    echo python3
  fi
}
