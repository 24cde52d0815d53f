#!/usr/bin/env bash
# Lay out our held-out French documentation corpus (never tuned on) as a documents folder.
#
#   bash benchmarks/corpora/fetch_heldout.sh [TARGET]   (default TARGET: ./heldout-corpus; needs root for apt-get)
#
# Installs the packages, then copies their French HTML, PDF and plain-text files (.gz copies
# gunzipped) to TARGET/<package>/, keeping the folders below the documentation's own root.
# Same layout and filters as fetch_calibration.sh; debian-reference-fr keeps its HTML pages only
# (its PDF and TXT, 2.4 MB, are the same text again and would double the build).
# These three packages were kept out of every dev and calibration corpus: do not tune anything
# on them (see README.md).
set -euo pipefail

PACKAGES=(debian-reference-fr maint-guide-fr developers-reference-fr)
KEEP='\.(html?|xhtml|pdf|txt|text|md)(\.gz)?$'
DROP='(^|/)(changelog|NEWS|copyright|README\.Debian)[^/]*$|(^|/)search(index)?\.[a-z]+$|/usr/share/doc-base/|/_sources/|/_static/|/tw-help-title\.txt$'
# Packages whose files are picked by name rather than taken whole.
declare -A ONLY=(
    [debian-reference-fr]='/debian-reference/[^/]+\.html$'
)

target=${1:-./heldout-corpus}
export DEBIAN_FRONTEND=noninteractive

die() { echo "fetch_heldout.sh: $*" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    unknown=0
    for p in "${missing[@]}"; do
        apt-cache show "$p" >/dev/null 2>&1 || unknown=1
    done
    if [ $unknown = 1 ] && ! log=$(apt-get update 2>&1); then
        echo "$log" >&2
        die "apt-get update failed (are you root, is the network up?)"
    fi
    if ! log=$(apt-get install -y --no-install-recommends "${missing[@]}" 2>&1); then
        echo "$log" | tail -n 20 >&2
        die "apt-get install ${missing[*]} failed (apt's message above; are you root?)"
    fi
fi

mkdir -p "$target"
target=$(cd "$target" && pwd)
for p in "${PACKAGES[@]}"; do
    mapfile -t files < <(dpkg -L "$p" | grep -E "$KEEP" | grep -Ev "$DROP" | grep -E "${ONLY[$p]:-.}" | sort)
    kept=()
    for f in "${files[@]}"; do [ -f "$f" ] && kept+=("$f"); done
    [ ${#kept[@]} -gt 0 ] || die "$p: none of its documentation files are on disk (dpkg path-exclude in /etc/dpkg/dpkg.cfg.d?)"
    # The documentation's root: the deepest folder holding all the kept files.
    root=$(dirname "${kept[0]}")
    for f in "${kept[@]}"; do
        while [ "${f#"$root"/}" = "$f" ]; do root=$(dirname "$root"); done
    done
    stage="$target/.$p.tmp"
    rm -rf "$stage"
    for f in "${kept[@]}"; do
        rel=${f#"$root"/}
        mkdir -p "$stage/$(dirname "$rel")"
        if [[ $f == *.gz ]]; then
            gzip -dc "$f" > "$stage/${rel%.gz}"
            touch -r "$f" "$stage/${rel%.gz}"
        else
            cp -L --preserve=timestamps "$f" "$stage/$rel"
        fi
    done
    rm -rf "${target:?}/$p"
    mv "$stage" "$target/$p"
done

# One line: files and MB by type.
(cd "$target" && find "${PACKAGES[@]}" -type f -printf '%s %f\n') \
    | awk '{ e = tolower(substr($0, index($0, " ") + 1)); sub(/.*\./, "", e); print e, $1 }' | sort -k1,1 \
    | awk -v t="$target" '
        { if ($1 != last) { order[++k] = $1; last = $1 } n[$1]++; b[$1] += $2; N++; B += $2 }
        END {
            line = sprintf("%s: %d files, %.1f MB", t, N, B / 1048576)
            for (i = 1; i <= k; i++) line = line sprintf("; %s %d files %.1f MB", order[i], n[order[i]], b[order[i]] / 1048576)
            print line
        }'
