#!/usr/bin/env bash
# By-hand live run against Debian's ffmpeg on both ends: ffmpeg pushes the bundled sample (video)
# and the bundled speech (a separate audio feed) live, `lipsync live` lip-syncs and pushes the
# result, and ffmpeg records what it receives. Prints the recording's frames and timestamps
# checks and lipsync's last status line (latency quantiles, A/V offset, reconnects).
#
#   scripts/live-soak.sh srt|rtmp [SECONDS] [OUT_DIR]
#
# SECONDS (default 300) is how long the senders push; lipsync runs 40 s longer for start-up and
# drain. Needs ffmpeg and ffprobe (apt-get install ffmpeg).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRANSPORT="${1:?srt or rtmp}"
SECONDS_SENT="${2:-300}"
OUT="${3:-$(mktemp -d /tmp/lipstream-soak.XXXXXX)}"
mkdir -p "$OUT"
SAMPLES="$ROOT/tools/samples/src/main/resources/io/lipstream/samples"
VIDEO="$SAMPLES/talking_astronaut_25fps.mp4"
AUDIO="$SAMPLES/speech_en_16k.wav"
BASE=$((20000 + RANDOM % 20000))
V_PORT=$BASE; A_PORT=$((BASE + 1)); OUT_PORT=$((BASE + 2))

case "$TRANSPORT" in
  srt)
    IN_VIDEO="srt://127.0.0.1:$V_PORT?mode=listener"
    IN_AUDIO="srt://127.0.0.1:$A_PORT?mode=listener"
    SEND_VIDEO=(-f mpegts "srt://127.0.0.1:$V_PORT")
    SEND_AUDIO=(-f mpegts "srt://127.0.0.1:$A_PORT")
    PUSH_TO="srt://127.0.0.1:$OUT_PORT"
    RECEIVE=(-i "srt://127.0.0.1:$OUT_PORT?mode=listener")
    ;;
  rtmp)
    IN_VIDEO="rtmp://127.0.0.1:$V_PORT/live/video?listen=1"
    IN_AUDIO="srt://127.0.0.1:$A_PORT?mode=listener"
    SEND_VIDEO=(-f flv "rtmp://127.0.0.1:$V_PORT/live/video")
    SEND_AUDIO=(-f mpegts "srt://127.0.0.1:$A_PORT")
    PUSH_TO="rtmp://127.0.0.1:$OUT_PORT/live/out"
    RECEIVE=(-listen 1 -i "rtmp://127.0.0.1:$OUT_PORT/live/out")
    ;;
  *) echo "transport: expected srt or rtmp, got $TRANSPORT" >&2; exit 2 ;;
esac

LOOPS=$(( SECONDS_SENT / 11 + 1 ))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ffmpeg -nostdin -v error -y -rw_timeout 120000000 "${RECEIVE[@]}" -c copy -f mpegts "$OUT/received.ts" \
  2>"$OUT/receiver.log" &
RECEIVER=$!
"$ROOT/lipsync" live --video "$IN_VIDEO" --audio "$IN_AUDIO" --to "$PUSH_TO" \
  --seconds $((SECONDS_SENT + 40)) --status-every 15 --source-timeout 120 \
  --dashboard-port $((BASE + 3)) --metrics-port $((BASE + 4)) \
  -D inference.batch-size=8 -D "inference.max-wait=50 ms" ${LIPSYNC_LIVE_ARGS:-} \
  >"$OUT/lipsync.out" 2>"$OUT/lipsync.log" &
LIPSYNC=$!
pids+=("$LIPSYNC")
until grep -q "Live stream" "$OUT/lipsync.log" 2>/dev/null; do
  kill -0 "$LIPSYNC" 2>/dev/null || { cat "$OUT/lipsync.log"; exit 1; }
  sleep 1
done
# The sample, looped, as a contribution encoder sends it: H.264 with a key frame a second. It is
# sent in two halves with a pause between (a source disconnect and reconnect); a sender that
# finds no listener yet is started again, as an encoder retries.
send_video() {
  local seconds=$1 log=$2
  for attempt in $(seq 1 30); do
    ffmpeg -nostdin -v error -re -stream_loop "$LOOPS" -i "$VIDEO" -t "$seconds" -an \
      -c:v libx264 -preset veryfast -tune zerolatency -g 25 -bf 0 "${SEND_VIDEO[@]}" 2>"$log" &
    local pid=$!
    sleep 3
    if kill -0 "$pid" 2>/dev/null || wait "$pid"; then wait "$pid" || true; return 0; fi
    sleep 0.5
  done
  return 1
}
HALF=$((SECONDS_SENT / 2))
ffmpeg -nostdin -v error -re -stream_loop "$LOOPS" -i "$AUDIO" -t "$((SECONDS_SENT + 10))" \
  -c:a aac -b:a 96k "${SEND_AUDIO[@]}" 2>"$OUT/sender-audio.log" &
pids+=("$!")
send_video "$HALF" "$OUT/sender-video-1.log"
sleep 3
send_video "$((SECONDS_SENT - HALF))" "$OUT/sender-video-2.log"
wait "$LIPSYNC" || { echo "lipsync failed:"; tail -20 "$OUT/lipsync.log"; exit 1; }
wait "$RECEIVER" || true

echo "== $TRANSPORT, $SECONDS_SENT s sent in two halves: $((SECONDS_SENT * 25)) frames at 25 fps =="
ffprobe -v error -show_entries stream=codec_name,r_frame_rate,nb_read_frames -count_frames \
  -of compact "$OUT/received.ts"
for stream in v:0 a:0; do
  ffprobe -v error -select_streams "$stream" -show_entries packet=dts -of csv=p=0 "$OUT/received.ts" \
    | awk -F, -v s="$stream" 'NF && $1 != "" {n++; if (n > 1 && $1 <= prev) bad++; prev = $1}
        END {print s, "packets:", n, "timestamps not increasing:", bad + 0}'
done
grep -E "dropped|back|lost|again|no new segment|ended" "$OUT/lipsync.log" | head -20 || true
grep -E "summary:" "$OUT/lipsync.log" || tail -1 "$OUT/lipsync.log"
echo "files in $OUT"
