#!/usr/bin/env bash
# Reruns the hostile uses of the tools that once crashed, hung, filled the memory or gave a wrong
# answer, each as a careless or malicious user would, and prints for each: the exit code, the
# peak memory, and the last line the tool printed. Every case must end with a sentence and a
# non-zero exit (or, where the input is valid, exit 0), within seconds and under 1 GiB.
#
#   scripts/hostile-cases.sh [release binaries folder]     (default .build/release)
#
# Builds its inputs with the suite's own tools and the shell; the gzip bombs take a minute.
set -uo pipefail
bin=$(cd "${1:-.build/release}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

printf '%-46s %4s %9s  %s\n' case exit "peak MiB" "last line"
run() {   # case name, command...
    local name=$1; shift
    timeout 120 /usr/bin/time -f "%M" -o rss.txt "$@" >out.txt 2>&1
    local rc=$?
    local kib; kib=$(tail -n1 rss.txt 2>/dev/null | grep -o '^[0-9]*$' || echo 0)
    local last; last=$(grep -v '^\s*$' out.txt | grep -v "Command exited with non-zero status" | tail -n1 | cut -c1-220)
    printf '%-46s %4s %9s  %s\n' "$name" "$rc" "$(( ${kib:-0} / 1024 ))" "$last"
}
edit_card() {   # the image shape to put in a copy of the model's card [, the model folder]
    rm -rf t && cp -r "${2:-m}" t && perl -0777 -pi -e 's/"imageShape"\s*:\s*\[[^\]]*\]/"imageShape":'"$1"'/' t/model.json
}

"$bin/cvd" shapes --out shapes --train 20 --test 5 --side 28 >/dev/null
"$bin/cvd" train --model mlp --data shapes/train --out m --size 28 --channels 1 --epochs 2 >/dev/null 2>&1
"$bin/cvd" train --model knn --data shapes/train --out mk --size 28 --channels 1 >/dev/null 2>&1
image=$(find shapes/test -name '*.png' | head -n1)

edit_card '[-1,-28,28]'
run "card imageShape [-1,-28,28]" "$bin/cvd" classify --model t "$image"
edit_card '[1,4294967296,4294967296]'
run "card imageShape [1,2^32,2^32]" "$bin/cvd" classify --model t "$image"
edit_card '[1,100000,100000]'
run "card imageShape [1,100000,100000]" "$bin/cvd" classify --model t "$image"
edit_card '[4,14,14]'
run "card imageShape [4,14,14] (mlp, 1x28x28)" "$bin/cvd" classify --model t "$image"
edit_card '[4,14,14]' mk
run "card imageShape [4,14,14] (knn, 1x28x28)" "$bin/cvd" classify --model t "$image"
edit_card '[1,14,56]'
run "card imageShape [1,14,56] (784 values, mlp 1x28x28)" "$bin/cvd" classify --model t "$image"

rm -rf t && cp -r m t && for f in t/learned-*.safetensors; do rm "$f" && mkdir "$f"; done
run "tensors file is a folder" "$bin/cvd" classify --model t "$image"
rm -rf t && cp -r m t && for f in t/learned-*.safetensors; do rm "$f" && mkfifo "$f"; done
run "tensors file is a FIFO" "$bin/cvd" classify --model t "$image"
mkdir -p ckpt.safetensors
run "--checkpoint is a folder" "$bin/cvd" train --model mlp --data shapes/train --out mc --size 28 --channels 1 --epochs 1 --checkpoint ckpt.safetensors --resume
cp -r shapes/train fifo && mkfifo fifo/circle/pipe.png
run "FIFO named x.png in a class folder" "$bin/cvd" train --model logreg --data fifo --out mf --size 28 --channels 1

{ printf 'label'; for i in $(seq 0 99); do printf ',f%d' "$i"; done; printf '\n'
  row="1$(printf ',0.5%.0s' $(seq 1 100))"
  yes "$row" | head -n 20000000; } | gzip -1 > bomb.csv.gz
run "gzip CSV bomb ($(du -m bomb.csv.gz | cut -f1) MB, 6 GB of rows)" "$bin/digits" --data bomb.csv.gz --quick --models logreg --out o1
head -c 5000000000 /dev/zero | gzip -1 > zeros.csv.gz
run "gzip of NUL bytes ($(du -m zeros.csv.gz | cut -f1) MB, 5 GB)" "$bin/digits" --data zeros.csv.gz --quick --models logreg --out o2
mkdir -p idx
# An honest header of 6,000,000 images of 28×28 (4.7 GB of pixels, all zero) and 10 labels.
{ printf '\x00\x00\x08\x03\x00\x5b\x8d\x80\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 4704000000 /dev/zero; } | gzip -1 > idx/train-images-idx3-ubyte.gz
{ printf '\x00\x00\x08\x01\x00\x00\x00\x0a'; head -c 10 /dev/zero; } | gzip > idx/train-labels-idx1-ubyte.gz
cp idx/train-images-idx3-ubyte.gz idx/t10k-images-idx3-ubyte.gz; cp idx/train-labels-idx1-ubyte.gz idx/t10k-labels-idx1-ubyte.gz
run "IDX bomb (honest 6,000,000 x 28 x 28, 10 labels)" "$bin/digits" --data idx --quick --models logreg --out o3

run "--out \"\" (cvd train)" "$bin/cvd" train --model logreg --data shapes/train --out "" --size 28
run "--out \"\" (digits)" "$bin/digits" --quick --models logreg --out ""
touch afile
run "--out afile (cvd train)" "$bin/cvd" train --model logreg --data shapes/train --out afile --size 28
run "--out afile (digits)" "$bin/digits" --quick --models logreg --out afile

cp -r shapes/train names && cp "$image" "names/circle/caf$(printf '\xe9').png" && mkdir -p "names/$(printf 'd\xe9')" && cp "$image" "names/$(printf 'd\xe9')/a.png" && cp "$image" "names/$(printf 'd\xe9')/b.png"
run "non-UTF-8 file and class names" "$bin/cvd" train --model logreg --data names --out mn --size 28 --channels 1

rm -rf t && cp -r m t && for f in t/learned-*.safetensors; do
    # The first value of the first tensor becomes NaN (the data start after the 8-byte length and the header).
    n=$(od -An -t u8 -N8 "$f" | tr -d ' '); printf '\x00\x00\xc0\x7f' | dd of="$f" bs=1 seek=$((8 + n)) conv=notrunc status=none
done
run "NaN weights in a saved model" "$bin/cvd" classify --model t "$image"

"$bin/digits" --quick --models mlp --epochs 5000 --out two >/dev/null 2>&1 &
first=$!; sleep 1
run "second digits run into one --out" "$bin/digits" --quick --models logreg --out two
kill -INT $first; wait $first

mkdir -p full && run "a write that fails (file-size limit, like a full disk)" bash -c "ulimit -f 4; trap '' XFSZ; exec \"$bin/digits\" --quick --models logreg --out full"

run "--epochs -3" "$bin/cvd" train --model mlp --data shapes/train --out me --epochs -3
run "--seed -1" "$bin/cvd" train --model logreg --data shapes/train --out me --seed -1
run "--test-fraction 1e-300" "$bin/cvd" train --model logreg --data shapes/train --out me --test-fraction 1e-300 --size 28

# SIGINT while a checkpoint is written every epoch, then SIGKILL: no temporary file stays after
# the next run (the handler removes its own; the next write removes those of killed runs).
"$bin/cvd" train --model mlp --data shapes/train --out mi --size 28 --channels 1 --epochs 400 --checkpoint ck.safetensors >/dev/null 2>&1 &
sleep 3; kill -INT $! 2>/dev/null; wait $! 2>/dev/null
echo "after SIGINT: $(ls -a | grep -c '\.tmp$') temporary files"
"$bin/cvd" train --model mlp --data shapes/train --out mi --size 28 --channels 1 --epochs 400 --checkpoint ck.safetensors >/dev/null 2>&1 &
sleep 3; kill -KILL $! 2>/dev/null; wait $! 2>/dev/null
echo "after SIGKILL: $(ls -a | grep -c '\.tmp$') temporary files"
run "the next run after a killed one" "$bin/cvd" train --model mlp --data shapes/train --out mi --size 28 --channels 1 --epochs 2 --checkpoint ck.safetensors
echo "after the next run: $(ls -a | grep -c '\.tmp$') temporary files"

