#!/usr/bin/env bash
# Writes the seed corpus of the saved-model fuzz target (fuzz/corpus/model/): small models of
# every kind `cvd train` saves, trained on a few generated 8×8 images, each packed as the target
# reads it (2-byte little-endian card length, the card, the tensors file). Run once from the
# repository's root after `swift build -c release`; the files are committed.
set -euo pipefail
cvd=${CVD:-.build/release/cvd}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=fuzz/corpus/model
mkdir -p "$out"
"$cvd" shapes --out "$work/images" --train 6 --test 2 --side 16 --seed 3 >/dev/null
pack() {   # folder name
    local card="$1/model.json" learned
    learned=$(sed -n 's/.*"learnedFile" *: *"\([^"]*\)".*/\1/p' "$card")
    local n
    n=$(stat -c %s "$card")
    { printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))"; cat "$card" "$1/$learned"; } > "$out/$2"
}
train() {   # name, model and settings...
    local name=$1; shift
    "$cvd" train --data "$work/images/train" --test "$work/images/test" --test-fraction 0 --size 8 --channels 1 \
        --out "$work/$name" "$@" >/dev/null 2>&1
    pack "$work/$name" "$name"
}
train logreg --model logreg --max-iter 20
train knn --model knn --k 3
train mlp --model mlp --hidden 4 --epochs 2
train bovw-hist --model bovw-hist --codebook-size 4 --patch-size 3 --patches 200 --kmeans-iter 3
train bovw-triangle --model bovw-triangle --codebook-size 4 --patch-size 3 --patches 200 --kmeans-iter 3
ls -l "$out"
