# Sourced by the ONNX scripts: make_onnx_env DIR creates (once) a virtual environment with
# Scripts/peers/requirements-onnx.txt, reinstalling only when the requirements change.
make_onnx_env() {
  local dir="$1" requirements=Scripts/peers/requirements-onnx.txt
  command -v python3 >/dev/null || { echo "python3 is not installed (Debian: apt-get install python3 python3-venv)" >&2; return 1; }
  if [ ! -x "$dir/bin/python" ]; then
    mkdir -p "$(dirname "$dir")"
    python3 -m venv "$dir" || { echo "python3 -m venv $dir failed (Debian: apt-get install python3-venv)" >&2; return 1; }
  fi
  if ! cmp -s "$requirements" "$dir/.installed-requirements"; then
    echo "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $dir" >&2
    "$dir/bin/python" -m pip install --disable-pip-version-check -q -r "$requirements" \
      || { echo "pip could not install $requirements into $dir (is PyPI reachable?)" >&2; return 1; }
    cp "$requirements" "$dir/.installed-requirements"
  fi
}
