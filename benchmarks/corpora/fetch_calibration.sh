#!/usr/bin/env bash
# Lay out a second real French documentation corpus (for calibration) as a documents folder.
#
#   bash benchmarks/corpora/fetch_calibration.sh [TARGET]   (default TARGET: ./calib-corpus; needs root for apt-get)
#
# Installs the packages, then copies their French HTML, PDF and plain-text files (.gz copies
# gunzipped) to TARGET/<package>/, keeping the folders below the documentation's own root.
# Images, CSS, JS, search pages, Sphinx's reST sources, changelogs and copyright files are left out.
# Running it again gives the same tree. Modelled on shared/realdocs/fetch.sh (the dev corpus).
#
# Generators: DocBook (debian-faq-fr: HTML pages, and the same text as one TXT and one PDF),
# Asciidoc (linuxcnc-doc-fr), Sphinx (ubuntu-packaging-guide-html-fr: one page per chapter and the
# whole guide again as one page), LaTeX through tex4ht (texworks-help-fr: Latin-1 HTML, and the PDF).
# linuxcnc-doc-fr keeps only the getting-started PDF and the G-code quick reference: its other
# PDFs (25 MB documentation, integrator and developer manuals) would take the corpus past 10 MB.
# Not used, kept aside as held-out checks: debian-reference-fr, maint-guide-fr, developers-reference-fr.
set -euo pipefail

PACKAGES=(debian-faq-fr linuxcnc-doc-fr ubuntu-packaging-guide-html-fr texworks-help-fr)
# Packages whose files are picked by name rather than taken whole.
declare -A ONLY=(
    [linuxcnc-doc-fr]='/(LinuxCNC_Getting_Started_fr\.pdf|gcode_fr\.html)$'
)

target=${1:-./calib-corpus}
name=$(basename "$0")
# shellcheck source=debian_docs.sh
source "$(dirname "$0")/debian_docs.sh"
