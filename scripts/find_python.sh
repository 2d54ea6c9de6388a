#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter. On these machines `python3.13` is a pyenv shim
# that only works when 3.13 is selected, so the pyenv installs are tried directly as well.
set -u
try() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null && echo "$1"; }
try python3.13 && exit 0
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 \
                 /usr/local/bin/python3.13 /usr/bin/python3.13; do
  [ -x "$candidate" ] && try "$candidate" && exit 0
done
echo "Python 3.13 was not found: install it (for example 'pyenv install 3.13')." >&2
exit 1
