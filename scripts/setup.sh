#!/usr/bin/env bash
# Installs everything mkbuild needs on a fresh Debian machine, idempotently:
# the cross toolchain, picolibc, QEMU, graphviz and dtc from apt, and the
# package itself into ./.venv. A second run finds everything present and
# does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(qemu-system-arm ipxe-qemu gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
              picolibc-aarch64-linux-gnu graphviz device-tree-compiler
              chromium  # chromium: the browser test of the HTML system view
              gdb-multiarch u-boot-qemu u-boot-tools)  # run --gdb; boots through U-Boot; mkimage
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The venv is rebuilt only when pyproject.toml changed since the last install.
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
