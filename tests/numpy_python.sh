# Sourced by the shell tests that read arrays with NumPy: sets $py to a python3 that has numpy —
# the one on PATH, or Debian's (python3-numpy, tools/setup_debian.sh) when the first python3 on
# PATH (a pyenv's, say) has none — and exits the test with a FAIL line when neither has it.
py=python3
python3 -c "import numpy" 2>/dev/null || py=/usr/bin/python3
"$py" -c "import numpy" 2>/dev/null || { echo "FAIL: no python with numpy (apt-get install python3-numpy)"; exit 1; }
