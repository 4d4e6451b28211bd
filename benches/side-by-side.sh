#!/usr/bin/env bash
# `lifeline run` to disk against polars' bare `read_csv` of the same data in UTF-8, whole
# processes, wall time, in one sitting: prints both medians and the ratio (issue 19's target:
# ≤ 2.0×). Data from `lifeline sample` (CP932 ほのぼの user master + assessment export + 第6表
# 実績 per office, as its job reads them); polars reads the same files converted to UTF-8
# (iconv), every column a string, as benches/stages.rs's reference does.
#
#   cargo build --release && benches/side-by-side.sh [FACILITIES] [USERS] [RUNS]
#   (defaults: 40 1000 3; the large set: 100 2000)
#
# The same run with every assessment row wrong (an unknown code in each), to disk (target: no
# slower than 1.5× clean). Then `lifeline validate` of one large LIFE file (every office's
# FORM_0000_2021 rows of that run in one file) on 1 thread and on every core, with its peak RSS
# beside the file's size (targets: ≥ 1.7× faster on 2 threads; peak ≤ 2× the file + the
# process's own size), and of the same file with every row wrong (one code a row; target
# ≤ 1.5× clean) and with every field wrong (the worst case: some 70 findings a row).
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
for f in "$tmp"/in/honobono-kaigo/* "$tmp"/in/assessment/* "$tmp"/in/careplan/*; do
    iconv -f CP932 -t UTF-8 "$f" > "$tmp/utf8/$(basename "$f")"
done
cat > "$tmp/read.py" << 'EOF'
import glob, os, sys
import polars as pl
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    sep = "\t" if f.endswith(".tsv") else ","
    # The assessment export has a title line above its header; a 実績 has no header.
    skip = 1 if f.endswith(".tsv") else 0
    header = not os.path.basename(f).startswith("UPJSK_")
    pl.read_csv(f, separator=sep, skip_rows=skip, has_header=header,
                infer_schema_length=0, truncate_ragged_lines=True)
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
# Every row wrong: each assessment row's 障害高齢者の日常生活自立度 (field 15) an unknown code.
cp -r "$tmp/in" "$tmp/wrong"
for f in "$tmp"/wrong/assessment/*; do
    LC_ALL=C awk -F'\t' -v OFS='\t' 'NR > 2 { $15 = "Z9" } { print }' "$f" > "$f.x"
    mv "$f.x" "$f"
done
: > "$tmp/polars"
: > "$tmp/lifeline"
: > "$tmp/wrongrun"
for _ in $(seq "$runs"); do   # interleaved, so drift hits both alike
    seconds python3 "$tmp/read.py" "$tmp/utf8" >> "$tmp/polars"
    rm -rf "$tmp/out" "$tmp/outw"
    seconds "$bin" run --config "$tmp/in/job.toml" --out "$tmp/out" >> "$tmp/lifeline"
    seconds "$bin" run --config "$tmp/wrong/job.toml" --out "$tmp/outw" >> "$tmp/wrongrun"
done
size=$(cat "$tmp"/in/honobono-kaigo/* "$tmp"/in/assessment/* "$tmp"/in/careplan/* | wc -c)
p=$(median < "$tmp/polars")
l=$(median < "$tmp/lifeline")
echo "data: $facilities offices × $users users, $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') MiB CP932, $runs runs, $(nproc) cores"
echo "polars read_csv (UTF-8):  $(tr '\n' ' ' < "$tmp/polars")→ median $p s"
echo "lifeline run to disk:     $(tr '\n' ' ' < "$tmp/lifeline")→ median $l s"
awk -v l="$l" -v p="$p" 'BEGIN { printf "ratio: %.2f× (target ≤ 2.00×)\n", l / p }'
w=$(median < "$tmp/wrongrun")
echo "every row wrong, to disk: $(tr '\n' ' ' < "$tmp/wrongrun")→ median $w s"
awk -v w="$w" -v l="$l" 'BEGIN { printf "  against clean: %.2f× (target ≤ 1.50×)\n", w / l }'

# One large LIFE file: the run's FORM_0000_2021 files, their rows after one header.
big="$tmp/FORM_0000_2021_all.csv"
first=1
for f in "$tmp"/out/*/*/FORM_0000_2021_*.csv; do
    if [ "$first" = 1 ]; then cp "$f" "$big"; first=0; else tail -n +3 "$f" >> "$big"; fi
done
rows=$(( $(wc -l < "$big") - 2 ))
validate() { # threads [file] → "seconds peak_kB"
    local t0 t1
    t0=$(date +%s.%N)
    RAYON_NUM_THREADS=$1 POLARS_MAX_THREADS=$1 /usr/bin/time -f %M -o "$tmp/rss" \
        "$bin" validate --format json "${2:-$big}" > /dev/null 2>&1 || [ $? -eq 1 ]
    t1=$(date +%s.%N)
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(tail -1 "$tmp/rss")"
}
# The same file with every row wrong (one unknown code a row, field 11), and with every field
# after the keys wrong (some 70 findings a row): findings are kept in a log, not in memory.
awk -F, -v OFS=, 'NR > 2 { $11 = "X" } { print }' "$big" > "$tmp/wrong1.csv"
awk -F, -v OFS=, 'NR > 2 { for (i = 11; i <= NF; i++) $i = "X" } { print }' "$big" > "$tmp/wrongall.csv"
: > "$tmp/v1"
: > "$tmp/vn"
: > "$tmp/w1"
: > "$tmp/wall"
for _ in $(seq "$runs"); do
    validate 1 >> "$tmp/v1"
    validate "$(nproc)" >> "$tmp/vn"
    validate "$(nproc)" "$tmp/wrong1.csv" >> "$tmp/w1"
    validate "$(nproc)" "$tmp/wrongall.csv" >> "$tmp/wall"
done
v1=$(cut -d' ' -f1 "$tmp/v1" | median)
vn=$(cut -d' ' -f1 "$tmp/vn" | median)
peak=$(cut -d' ' -f2 "$tmp/vn" | sort -n | tail -1)
# The process's own size: `validate` of the file's first row (the spec data loaded, the threads
# started), what any file costs before its size counts.
head -3 "$big" > "$tmp/one.csv"
self=$( { /usr/bin/time -f %M "$bin" validate "$tmp/one.csv" > /dev/null; } 2>&1 | tail -1)
fsize=$(wc -c < "$big")
echo "validate one file: $rows rows, $(awk -v b="$fsize" 'BEGIN { printf "%.1f", b / 1048576 }') MiB"
echo "  1 thread:  $(cut -d' ' -f1 "$tmp/v1" | tr '\n' ' ')→ median $v1 s"
echo "  $(nproc) threads: $(cut -d' ' -f1 "$tmp/vn" | tr '\n' ' ')→ median $vn s"
awk -v a="$v1" -v b="$vn" 'BEGIN { printf "  speed-up: %.2f× (target ≥ 1.70× on 2 threads)\n", a / b }'
awk -v p="$peak" -v f="$fsize" -v s="$self" 'BEGIN { printf "  peak RSS: %.1f MiB = %.2f× the file (+ the process on one row: %.1f MiB; target ≤ 2× the file + that)\n", p / 1024, (p - s) * 1024 / f, s / 1024 }'
for kind in w1 wall; do
    label=$([ "$kind" = w1 ] && echo "every row wrong (one code a row)" || echo "every field wrong (~70 a row)")
    f=$([ "$kind" = w1 ] && echo "$tmp/wrong1.csv" || echo "$tmp/wrongall.csv")
    t=$(cut -d' ' -f1 "$tmp/$kind" | median)
    p=$(cut -d' ' -f2 "$tmp/$kind" | sort -n | tail -1)
    fs=$(wc -c < "$f")
    awk -v t="$t" -v c="$vn" -v p="$p" -v f="$fs" -v s="$self" -v l="$label" 'BEGIN {
        printf "  %s, %d threads: median %.3f s = %.2f× clean; peak %.1f MiB = %.2f× its file + the process\n",
            l, '"$(nproc)"', t, t / c, p / 1024, (p - s) * 1024 / f }'
done
