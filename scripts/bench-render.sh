#!/usr/bin/env bash
# Render speed: `videoagent render` (whole process: start-up, font loading,
# decoding, composition, H.264 + Opus encoding, MP4 muxing) for (a) a simple
# photo template (slow zoom + caption, scripts/bench/simple_photo.json) and
# (b) the full Run for Life template, against Debian's ffmpeg doing the simple
# job idiomatically (zoompan + drawtext + libx264 veryfast, 150 frames of
# 1280x720 at 25 fps). ffmpeg is installed only as the comparison. Prints wall
# time per frame, peak RSS and the ratios.
#
# Usage: scripts/bench-render.sh [runs]      (default 5 runs each; median reported)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
if ! command -v ffmpeg >/dev/null || ! command -v nasm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg nasm >/dev/null
fi
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/videoagent
PHOTO=tests/fixtures/images/photo_astronaut.jpg
FONT=assets/fonts/DejaVuSans-Bold.ttf
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# One timed run: prints "<seconds> <peak RSS KiB>".
measure() {
    /usr/bin/time -f "%e %M" -o "$OUT/time" "$@" >/dev/null 2>&1
    cat "$OUT/time"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_case() {
    local name=$1; shift
    : > "$OUT/secs"; : > "$OUT/rss"
    for _ in $(seq "$RUNS"); do
        read -r s r < <(measure "$@")
        echo "$s" >> "$OUT/secs"; echo "$r" >> "$OUT/rss"
    done
    local secs rss
    secs=$(median < "$OUT/secs"); rss=$(sort -n "$OUT/rss" | tail -1)
    printf '%-28s median %6.2f s  %6.2f ms/frame  peak RSS %5d MB\n' "$name" "$secs" "$(echo "$secs * 1000 / 150" | bc -l)" $((rss / 1024))
    echo "$secs" > "$OUT/$name.secs"
}

run_case simple_photo "$BIN" render --template scripts/bench/simple_photo.json --image "$PHOTO" --text Lion -o "$OUT/va.mp4"
run_case run_for_life "$BIN" render --template 393769180141805569 --image "$PHOTO" --text Lion -o "$OUT/rfl.mp4"
run_case ffmpeg ffmpeg -y -loop 1 -framerate 25 -i "$PHOTO" \
    -vf "zoompan=z='min(zoom+0.0007,1.1)':d=150:s=1280x720:fps=25,drawtext=fontfile=$FONT:text='Lion':fontsize=54:fontcolor=white:x=(w-text_w)/2:y=h-110" \
    -frames:v 150 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$OUT/ff.mp4"

ff=$(cat "$OUT/ffmpeg.secs")
for case in simple_photo run_for_life; do
    va=$(cat "$OUT/$case.secs")
    printf 'ratio (%s): %.2fx ffmpeg speed per frame (same run, %d runs each)\n' "$case" "$(echo "$ff / $va" | bc -l)" "$RUNS"
done
ls -l "$OUT"/va.mp4 "$OUT"/rfl.mp4 "$OUT"/ff.mp4 | awk '{print $5, $9}'
