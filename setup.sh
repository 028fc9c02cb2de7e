#!/usr/bin/env bash
# VideoMtl setup: installs what is missing and builds. Idempotent, and quick when everything is there.
#   1. Debian packages (OpenCV, CMake, g++, FFmpeg, Prometheus, and for the reliability tests GStreamer's
#      RTSP server with its Python bindings)                        needs root (or sudo) the first time
#   2. libonnxruntime.so.1 from the onnxruntime-node npm package     into $VIDEOMTL_CACHE_DIR (outside git)
#   3. dotnet build of the solution (which also builds the C++ shim with CMake)
#   4. the default multi-task model models/yolov8n-mt.onnx, built from the Ultralytics exports found in
#      models/sources/ first, then ../shared/models/ (or $VIDEOMTL_SHARED_DIR/models)
# Usage: ./setup.sh [--quiet]
set -euo pipefail

ORT_VERSION=1.30.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_DIR=${VIDEOMTL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/videomtl}
ORT_DIR=$CACHE_DIR/onnxruntime/$ORT_VERSION
ORT_LIB=$ORT_DIR/libonnxruntime.so.1
APT_PACKAGES=(libopencv-dev cmake g++ make pkg-config ffmpeg libonnx-dev prometheus ca-certificates
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly)
QUIET=0
[ "${1:-}" = "--quiet" ] && QUIET=1

say() { [ "$QUIET" = 1 ] || echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "VideoMtl runs on Linux (Debian 12); this is $(uname -s)"
[ "$(uname -m)" = x86_64 ] || die "the bundled ONNX Runtime is for x86_64; on $(uname -m) set VIDEOMTL_ORT_LIB to your own libonnxruntime.so"

# --- 1. Debian packages -------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm only fetches the ONNX Runtime package; any npm will do (Node.js may come from elsewhere than Debian).
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    die "missing packages: ${missing[*]}; run this script as root (or install them: apt-get install ${missing[*]})"
  fi
  say "installing ${missing[*]}"
  "${SUDO[@]}" apt-get update -q >/dev/null || die "apt-get update failed: check the network or the apt sources"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
command -v dotnet >/dev/null || die ".NET SDK 10 not found on PATH: install it (https://dot.net) and run again"

# --- 2. ONNX Runtime --------------------------------------------------------------------------------
if [ ! -s "$ORT_LIB" ]; then
  say "fetching onnxruntime-node@$ORT_VERSION from the npm registry (only libonnxruntime.so.1 is kept)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "onnxruntime-node@$ORT_VERSION" --silent >/dev/null 2>"$tmp/npm.log") \
    || die "npm pack onnxruntime-node@$ORT_VERSION failed: $(tail -n 1 "$tmp/npm.log") (check the network or the npm registry setting)"
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 \
    || die "the onnxruntime-node package has no linux/x64 libonnxruntime.so.1"
  mkdir -p "$ORT_DIR"
  # Move into place in one step so an interrupted setup never leaves half a library behind.
  mv "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_LIB.partial"
  mv "$ORT_LIB.partial" "$ORT_LIB"
  rm -rf "$tmp"
  trap - EXIT
  say "ONNX Runtime $ORT_VERSION installed at $ORT_LIB"
fi

# --- 3. Build ------------------------------------------------------------------------------------------
say "building (dotnet build -c Release)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! out=$(dotnet build "$ROOT/VideoMtl.sln" -c Release -nologo -v q 2>&1); then
  echo "$out" | grep -E "error|Error" | head -20 >&2
  die "build failed"
fi

# --- 4. Default model ----------------------------------------------------------------------------------
MODEL=$ROOT/models/yolov8n-mt.onnx
if [ ! -s "$MODEL" ]; then
  SHARED=${VIDEOMTL_SHARED_DIR:-$ROOT/../shared}
  find_source() {
    for dir in "$ROOT/models/sources" "$SHARED/models"; do
      [ -s "$dir/$1" ] && { echo "$dir/$1"; return 0; }
    done
    return 1
  }
  seg=$(find_source yolov8n-seg-uint8.onnx || find_source yolov8n-seg.onnx) \
    || die "no segmentation export found: put yolov8n-seg-uint8.onnx (or yolov8n-seg.onnx) in models/sources/"
  pose=$(find_source yolov8n-pose-uint8.onnx || find_source yolov8n-pose.onnx) \
    || die "no pose export found: put yolov8n-pose-uint8.onnx (or yolov8n-pose.onnx) in models/sources/"
  verify=()
  [ -s "$SHARED/media/bus.jpg" ] && verify=(--verify-image "$SHARED/media/bus.jpg")
  say "building the default model from $seg and $pose"
  dotnet "$ROOT/src/VideoMtl.Cli/bin/Release/net10.0/videomtl.dll" model build \
    --segment "$seg" --pose "$pose" -o "$MODEL" "${verify[@]}" >&2 || die "building the default model failed"
fi
say "ready"
