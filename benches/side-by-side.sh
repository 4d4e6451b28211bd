#!/usr/bin/env bash
# `lifeline run` to disk against polars' bare `read_csv` of the same data in UTF-8, whole
# processes, wall time, in one sitting: prints both medians and the ratio (issue 19's target:
# ≤ 2.0×). Data from `lifeline sample` (CP932 ほのぼの user master + assessment export per
# office); polars reads the same files converted to UTF-8 (iconv), every column a string, as
# benches/stages.rs's reference does.
#
#   cargo build --release && benches/side-by-side.sh [FACILITIES] [USERS] [RUNS]
#   (defaults: 40 1000 3; the large set: 100 2000)
#
# Needs python3 with polars (`pip install polars`). Env: LIFELINE (the binary; default
# target/release/lifeline, or $CARGO_TARGET_DIR/release/lifeline), RAYON_NUM_THREADS.
set -euo pipefail
bin=${LIFELINE:-${CARGO_TARGET_DIR:-target}/release/lifeline}
facilities=${1:-40}
users=${2:-1000}
runs=${3:-3}
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release first" >&2; exit 2; }
python3 -c 'import polars' 2> /dev/null || {
    echo "python3 cannot import polars: pip install polars" >&2
    exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" sample --facilities "$facilities" --users "$users" --seed 11 --out "$tmp/in" > /dev/null
mkdir -p "$tmp/utf8"
for f in "$tmp"/in/honobono-kaigo/* "$tmp"/in/assessment/*; do
    iconv -f CP932 -t UTF-8 "$f" > "$tmp/utf8/$(basename "$f")"
done
cat > "$tmp/read.py" << 'EOF'
import glob, sys
import polars as pl
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    sep = "\t" if f.endswith(".tsv") else ","
    # The assessment export has a title line above its header.
    skip = 1 if f.endswith(".tsv") else 0
    pl.read_csv(f, separator=sep, skip_rows=skip, infer_schema_length=0,
                truncate_ragged_lines=True)
EOF
seconds() { # wall seconds of a command (lifeline's exit 1: the samples carry designed findings)
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    "$@" > /dev/null 2> "$tmp/err" || rc=$?
    t1=$(date +%s.%N)
    if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && [ "$1" = "$bin" ]; }; then
        echo "$* failed (exit $rc):" >&2
        cat "$tmp/err" >&2
        exit 2
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$tmp/polars"
: > "$tmp/lifeline"
for _ in $(seq "$runs"); do   # interleaved, so drift hits both alike
    seconds python3 "$tmp/read.py" "$tmp/utf8" >> "$tmp/polars"
    rm -rf "$tmp/out"
    seconds "$bin" run --config "$tmp/in/job.toml" --out "$tmp/out" >> "$tmp/lifeline"
done
size=$(cat "$tmp"/in/honobono-kaigo/* "$tmp"/in/assessment/* | wc -c)
p=$(median < "$tmp/polars")
l=$(median < "$tmp/lifeline")
echo "data: $facilities offices × $users users, $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB CP932, $runs runs, $(nproc) cores"
echo "polars read_csv (UTF-8):  $(tr '\n' ' ' < "$tmp/polars")→ median $p s"
echo "lifeline run to disk:     $(tr '\n' ' ' < "$tmp/lifeline")→ median $l s"
awk -v l="$l" -v p="$p" 'BEGIN { printf "ratio: %.2f× (target ≤ 2.00×)\n", l / p }'
