#!/usr/bin/env bash
# Installs the Debian packages the tests need (Chromium for the browser tier, PostgreSQL and
# pg_virtualenv for the storage tier, poppler-utils to look at PDFs). As root it uses apt-get;
# otherwise it names what to install and fails.
set -euo pipefail

declare -A wanted=(
  [chromium]=/usr/bin/chromium
  [poppler-utils]=/usr/bin/pdftoppm
  [postgresql]=/usr/bin/pg_virtualenv
)

missing=()
for pkg in "${!wanted[@]}"; do
  [ -x "${wanted[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}." >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}, and apt-get is not available to install them." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
