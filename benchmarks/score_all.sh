#!/usr/bin/env bash
# Score every question set on fresh indexes, with the settings in the environment (DOCBOT_*).
#
#   bash benchmarks/score_all.sh OUT [REALDOCS [CALIB]]
#
# Builds three indexes under OUT/ (the shipped articles, the dev real corpus laid out by
# ../shared/realdocs/fetch.sh, and our second corpus laid out by benchmarks/corpora/fetch_calibration.sh;
# defaults /tmp/realdocs-dev and /tmp/calib-corpus), then runs ../shared/tools/score.py on the dev
# questions and on ours, one summary line a set (OUT/<set>.txt holds the misses). With SKIP_BUILD=1,
# indexes already in OUT/ are reused (answer and answerability changes need no rebuild).
set -uo pipefail
out=${1:?usage: score_all.sh OUT [REALDOCS [CALIB]]}
realdocs=${2:-/tmp/realdocs-dev}
calib=${3:-/tmp/calib-corpus}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${DOCBOT_SHARED:-$root/../shared}
mkdir -p "$out"
cd "$root"
build() {  # name documents
    if [ -n "${SKIP_BUILD:-}" ] && [ -e "$out/$1/index/current" ]; then return; fi
    DOCBOT_DOCUMENTS_DIR=$2 DOCBOT_INDEX_DIR=$out/$1/index HF_HUB_OFFLINE=1 .venv/bin/docbot index \
        > "$out/$1.build.log" 2>&1 || { echo "building $1 failed:"; tail -n 5 "$out/$1.build.log"; }
}
score() {  # set index questions
    DOCBOT_INDEX_DIR=$out/$2/index HF_HUB_OFFLINE=1 python3 "$shared/tools/score.py" "$3" --show-misses \
        --cmd "$root/.venv/bin/docbot ask --json --no-log" > "$out/$1.txt" 2>&1
    echo "$1: $(tail -n 1 "$out/$1.txt")"
}
build articles "$root/documents"
[ -d "$realdocs" ] && build realdocs "$realdocs"
[ -d "$calib" ] && build calib "$calib"
score articles-dev articles "$shared/eval/questions.jsonl"
score articles-ours articles benchmarks/calibration.jsonl
score followups-dev articles "$shared/eval/followups.jsonl"
score followups-ours articles benchmarks/calibration_followups.jsonl
if [ -d "$realdocs" ]; then
    score realdocs-dev realdocs "$shared/realdocs/questions.jsonl"
    score realdocs-ours realdocs benchmarks/calibration_realdocs.jsonl
fi
[ -d "$calib" ] && score calib-ours calib benchmarks/calibration_realdocs2.jsonl
exit 0
