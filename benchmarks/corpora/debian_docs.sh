# Shared by the fetch scripts of Debian documentation corpora (fetch_calibration.sh, fetch_heldout.sh): sourced
# after they set PACKAGES (the packages) and ONLY (per package, a pattern picking its files; the others are taken
# whole), it installs the missing packages, copies each one's documentation files under "$target/<package>"
# (gzip files unpacked; staged, then swapped in) and prints one line: files and MB by type.
# Needs: $target (the folder) and $name (the calling script's name, for errors).

KEEP='\.(html?|xhtml|pdf|txt|text|md)(\.gz)?$'
DROP='(^|/)(changelog|NEWS|copyright|README\.Debian)[^/]*$|(^|/)search(index)?\.[a-z]+$|/usr/share/doc-base/|/_sources/|/_static/|/tw-help-title\.txt$'
export DEBIAN_FRONTEND=noninteractive

die() { echo "$name: $*" >&2; exit 1; }

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
