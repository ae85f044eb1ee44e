#!/usr/bin/env bash
# Builds the image with podman and starts it: the container must answer its healthcheck and serve
# the app's page and the sign-in form. `make test-image` runs this (not part of `make test`).
#
# No image registry is needed: the base image is built here from Debian's packages (mmdebstrap,
# bookworm, python3 and python3-venv), then the Dockerfile is built on it with BASE_IMAGE.
#
# PODMAN may carry global flags, and PODMAN_RUN_FLAGS flags for every container (build steps
# included), for hosts that need them, e.g. inside another container:
#   PODMAN="podman --runtime runc" PODMAN_RUN_FLAGS="--ulimit nofile=1024:10000 --ulimit nproc=1024:10000"
set -euo pipefail

PODMAN=${PODMAN:-podman}
read -r -a run_flags <<<"${PODMAN_RUN_FLAGS:-}"
BASE=localhost/ics-readiness-base:bookworm
IMAGE=localhost/ics-readiness:test
PORT=${PORT:-18501}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
container=ics-readiness-image-test-$$
trap '$PODMAN rm -f "$container" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

for tool in ${PODMAN%% *} mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install podman mmdebstrap" >&2; exit 1; }
done

if ! $PODMAN image exists "$BASE"; then
  echo "Building the base image from Debian's packages"
  mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
    bookworm "$work/rootfs.tar" http://deb.debian.org/debian
  $PODMAN import "$work/rootfs.tar" "$BASE" >/dev/null
fi

# Behind a proxy that inspects TLS, pip needs that proxy's certificate authority: PIP_CERT, when
# set, is mounted into the build's steps only (with a pip.conf naming it), never into the image.
build_flags=()
if [ -n "${PIP_CERT:-}" ]; then
  printf '[global]\ncert = /run/ics-build/ca.crt\n' >"$work/pip.conf"
  build_flags+=(-v "$PIP_CERT:/run/ics-build/ca.crt:ro" -v "$work/pip.conf:/etc/pip.conf:ro")
fi

echo "Building the image"
$PODMAN build --format docker --network host "${run_flags[@]}" "${build_flags[@]}" \
  --build-arg BASE_IMAGE="$BASE" -t "$IMAGE" "$here"

echo "Starting it on port $PORT"
# The host's network (a free port of its own), the image's own command and healthcheck.
$PODMAN run -d --name "$container" --network host "${run_flags[@]}" \
  -e STREAMLIT_SERVER_PORT="$PORT" -e STREAMLIT_SERVER_ADDRESS=127.0.0.1 "$IMAGE" >/dev/null

[ "$($PODMAN exec "$container" id -u)" = 10001 ] || { echo "the app runs as root" >&2; exit 1; }
for _ in $(seq 90); do
  if $PODMAN healthcheck run "$container" >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
$PODMAN healthcheck run "$container" || { $PODMAN logs "$container" >&2; echo "unhealthy" >&2; exit 1; }
python3 - "$PORT" <<'PY'
import sys
import urllib.request

port = sys.argv[1]
page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
assert "<title>" in page, "the app's page did not load"
form = urllib.request.urlopen(f"http://127.0.0.1:{port}/account/sign-in", timeout=10).read().decode()
assert "Facilitator sign-in" in form, "the sign-in form is missing"
print("The image is healthy, runs as uid 10001 and serves the app and its sign-in form.")
PY

# The board PDF's tools work as that user: Chromium draws a chart, Typst typesets a page.
$PODMAN exec -i "$container" python - <<'PY'
import plotly.graph_objects as go

from assessment.chart_export import ChartExporter, ChartRequest
from assessment.operations import check_fonts
from assessment.report import render_pdf, typst_document

exporter = ChartExporter()
(svg,) = exporter.svgs([ChartRequest(go.Figure(go.Bar(x=["Now", "In a year"], y=[2, 3])), 400, 300)])
exporter.close()
assert svg and svg.startswith("<svg"), f"no chart: {exporter.problem}"
overview = {
    "document_title": "Image check", "cohort": "Image check", "made_on": "today", "threshold": 3,
    "charts": {"heatmap": {"svg": svg, "alt": "A chart drawn in the image"}}, "charts_problem": None,
    "partnerships": [], "titles": [], "grid": [], "not_asked": False, "earlier": [], "median": [],
    "quartiles_shown": False,
}
assert render_pdf(typst_document("cohort overview", overview), title="Image check").startswith(b"%PDF")
assert check_fonts().ok, check_fonts().words
print("In the image, Chromium draws the PDF's charts and Typst typesets it with its fonts.")
PY
