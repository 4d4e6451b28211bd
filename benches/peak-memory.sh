#!/usr/bin/env bash
# Peak memory (max RSS) of `lifeline run` beside the largest single office's input, for a
# growing number of offices of the same size: peak memory must follow the largest office, not
# the batch. Data from `lifeline sample` (CP932 ほのぼの user master + assessment export per
# office).
#
#   cargo build --release && benches/peak-memory.sh [USERS_PER_OFFICE] [OFFICE_COUNTS...]
#
# Env: LIFELINE (the binary; default target/release/lifeline, or $CARGO_TARGET_DIR/release/…),
# RAYON_NUM_THREADS (threads of the run; default: one per core).
set -euo pipefail
bin=${LIFELINE:-${CARGO_TARGET_DIR:-target}/release/lifeline}
users=${1:-2000}
shift || true
counts=${*:-1 4 16 64}
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
printf '%8s %10s %14s %12s %16s\n' offices "input MB" "largest MB" "peak RSS MB" "peak / largest"
for n in $counts; do
    rm -rf "$tmp/in" "$tmp/out"
    "$bin" sample --facilities "$n" --users "$users" --out "$tmp/in" > /dev/null
    total=$(cat "$tmp"/in/assessment/* "$tmp"/in/honobono-kaigo/* | wc -c)
    largest=0
    for f in "$tmp"/in/assessment/*; do
        id=$(basename "$f" | cut -d_ -f1)
        size=$(cat "$f" "$tmp"/in/honobono-kaigo/"$id"_* | wc -c)
        [ "$size" -gt "$largest" ] && largest=$size
    done
    # Exit 1 is expected: the samples carry designed findings.
    /usr/bin/time -f %M -o "$tmp/rss" "$bin" run --config "$tmp/in/job.toml" \
        --out "$tmp/out" > /dev/null 2>&1 || [ $? -eq 1 ]
    rss=$(( $(tail -1 "$tmp/rss") * 1024 ))
    printf '%8s %10s %14s %12s %16s\n' "$n" "$(mb "$total")" "$(mb "$largest")" "$(mb "$rss")" \
        "$(awk -v a="$rss" -v b="$largest" 'BEGIN { printf "%.1f×", a / b }')"
done
