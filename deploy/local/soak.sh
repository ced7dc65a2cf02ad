#!/usr/bin/env bash
# Soak on the local cluster (deploy/local/cluster.sh up first): N live streams of the bundled clip
# through the identity model for M minutes at parallelism 2, then a drain of 3 minutes. Samples every
# 30 s into OUT/soak.csv: checkpoint size, heap after a full GC and RSS of each cluster process,
# frames in and out; OUT/summary.txt has the A/V offset per minute (every tenth segment, ffprobe).
#
# Usage: deploy/local/soak.sh STREAMS MINUTES [OUT]   (default OUT: target/soak-<date>)
# LIPSTREAM_SOAK_VIDEO streams another 25 fps clip instead of the bundled one (e.g. a smaller one:
#   ffmpeg -i <bundled clip> -vf scale=320:180 -c:a aac small.mp4).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${LIPSTREAM_CLUSTER_DIR:-$ROOT/target/local-cluster}"
BASE="${LIPSTREAM_CLUSTER_PORT_BASE:-19000}"
STREAMS="${1:?usage: soak.sh STREAMS MINUTES [OUT]}"
MINUTES="${2:?usage: soak.sh STREAMS MINUTES [OUT]}"
OUT="${3:-$ROOT/target/soak-$(date +%Y%m%d-%H%M%S)}"
command -v ffprobe >/dev/null || { echo "soak.sh: ffprobe (Debian package ffmpeg) is needed" >&2; exit 1; }
command -v jcmd >/dev/null || { echo "soak.sh: jcmd (from the JDK) is needed" >&2; exit 1; }
curl -sf "http://127.0.0.1:$((BASE + 81))/overview" >/dev/null \
  || { echo "soak.sh: no cluster at 127.0.0.1:$((BASE + 81)); run deploy/local/cluster.sh up" >&2; exit 1; }
"$ROOT/lipsync" --version >/dev/null # builds the project when needed
exec java -Xms1g -Xmx1g -XX:-TieredCompilation \
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.lipstream.schema \
  -Dorg.bytedeco.javacpp.cachedir="$ROOT/target/javacpp-cache" \
  -Dlog4j2.configurationFile=classpath:lipsync-log4j2.xml -Dorg.bytedeco.javacpp.logger=slf4j \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -cp "$ROOT/src/target/lipstream-app-0.1.0-SNAPSHOT.jar:$(cat "$ROOT/src/target/classpath.txt")" \
  io.lipstream.tools.bench.ClusterSoak "127.0.0.1:$((BASE + 81))" \
  "127.0.0.1:$((BASE + 101)),127.0.0.1:$((BASE + 102)),127.0.0.1:$((BASE + 103))" \
  "$DIR" "$STREAMS" "$MINUTES" "$OUT" ${LIPSTREAM_SOAK_VIDEO:+"$LIPSTREAM_SOAK_VIDEO"}
