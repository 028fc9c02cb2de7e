#!/usr/bin/env bash
# VideoMtl setup: installs what is missing and builds. Idempotent, and quick when everything is there.
#   1. Debian packages (FFmpeg, the shared libraries OpenCvSharp's OpenCV build links against, ONNX's
#      schema for the model builder, Prometheus, redis-server, for the reliability tests GStreamer's RTSP
#      server with its Python bindings, and for the live view's browser tests Chromium with a font)
#                                                                               needs root (or sudo) the first time
#   2. dotnet build of the solution; OpenCV (OpenCvSharp4 + its official Linux runtime) and ONNX Runtime
#      (Microsoft.ML.OnnxRuntime.Gpu.Linux) come from NuGet with the restore: nothing is compiled but C#
#   3. the default multi-task model models/yolov8n-mt.onnx, built from the Ultralytics exports found in
#      models/sources/ first, then ../shared/models/ (or $VIDEOMTL_SHARED_DIR/models)
# Usage: ./setup.sh [--quiet]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# libgtk-3-0 .. libpng16-16: what libOpenCvSharpExtern.so (OpenCvSharp4.official.runtime.linux-x64) links to.
APT_PACKAGES=(ffmpeg libgtk-3-0 libfreetype6 libharfbuzz0b libdrm2 libatomic1 libjpeg62-turbo libpng16-16
  libonnx-dev prometheus redis-server ca-certificates
  gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  chromium fonts-dejavu-core)
QUIET=0
[ "${1:-}" = "--quiet" ] && QUIET=1

say() { [ "$QUIET" = 1 ] || echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "VideoMtl runs on Linux (Debian 12); this is $(uname -s)"
[ "$(uname -m)" = x86_64 ] || die "VideoMtl's ONNX Runtime and OpenCV packages are for x86_64; this is $(uname -m)"

# --- 1. Debian packages -------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
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

# --- 2. Build ------------------------------------------------------------------------------------------
say "building (dotnet build -c Release)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! out=$(dotnet build "$ROOT/VideoMtl.sln" -c Release -nologo -v q 2>&1); then
  echo "$out" | grep -E "error|Error" | head -20 >&2
  die "build failed"
fi

# --- 3. Default model ----------------------------------------------------------------------------------
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
