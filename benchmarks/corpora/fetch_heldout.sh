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
# Packages whose files are picked by name rather than taken whole.
declare -A ONLY=(
    [debian-reference-fr]='/debian-reference/[^/]+\.html$'
)

target=${1:-./heldout-corpus}
name=$(basename "$0")
# shellcheck source=debian_docs.sh
source "$(dirname "$0")/debian_docs.sh"
