#!/usr/bin/env bash
# Lay out a French Markdown documentation corpus (Etalab's open-data guides) as a documents folder.
#
#   bash benchmarks/corpora/fetch_etalab.sh [TARGET]   (default TARGET: ./etalab-corpus)
#
# The pages are vendored in benchmarks/corpora/etalab-guides/ (Licence Ouverte 2.0, kept there as
# LICENSE.md): no PyPI or Debian package ships French Markdown documentation of this kind, and the
# bench must not need GitHub. This copies them to TARGET/etalab-guides/. Running it again gives the
# same tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/etalab-guides/docs"
target=${1:-./etalab-corpus}
[ -d "$src" ] || { echo "fetch_etalab.sh: $src is missing" >&2; exit 1; }
mkdir -p "$target"
target=$(cd "$target" && pwd)
rm -rf "$target/.etalab-guides.tmp"
cp -r --preserve=timestamps "$src" "$target/.etalab-guides.tmp"
rm -rf "${target:?}/etalab-guides"
mv "$target/.etalab-guides.tmp" "$target/etalab-guides"
echo "$target: etalab-guides, $(find "$target/etalab-guides" -type f | wc -l) files," \
     "$(du -sk "$target/etalab-guides" | cut -f1) KB"
