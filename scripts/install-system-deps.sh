#!/usr/bin/env bash
# Installs the Debian packages the app and the tests need: Chromium (the browser tier, and the
# PDF's charts drawn through kaleido), PostgreSQL and pg_virtualenv (the storage tier),
# poppler-utils (PDF pages to PNG), nginx (the reverse proxy of deploy/nginx.conf, in front of
# two app servers in the failover test and the load benchmark's --proxy runs), and the PDF's fonts
# (Liberation and DejaVu; the typesetter, Typst, comes with the Python requirements and needs no
# system library). As root it uses apt-get; otherwise it names what to install and fails.
#
# `install-system-deps.sh run` asks only for what the app needs (the PDF); without root it then
# warns and carries on, since the app still runs and makes PDFs with tables when charts cannot be
# drawn. Without an argument (the tests) everything is needed.
set -euo pipefail

purpose=${1:-test}
wanted=(
  chromium
  fonts-liberation
  fonts-dejavu-core
)
if [ "$purpose" != run ]; then
  wanted+=(poppler-utils postgresql nginx)
fi

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}." >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  if [ "$purpose" = run ]; then
    echo "The app runs without them, but its PDF summaries will lack charts (or their fonts)." >&2
    exit 0
  fi
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
