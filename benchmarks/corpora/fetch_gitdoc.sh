#!/usr/bin/env bash
# Lay out an English documentation corpus (Git's manual pages and guides, HTML) as a documents folder.
#
#   bash benchmarks/corpora/fetch_gitdoc.sh [TARGET]   (default TARGET: ./gitdoc-corpus)
#
# Downloads Debian's git-doc package with `apt-get download` (no install, so no root needed once apt's
# lists are there; `apt-get update` is run, as root, only when apt does not know the package), unpacks
# it, and copies the user-facing HTML pages listed below to TARGET/git-doc/. Left out: the plumbing
# and developer pages, technical/ and howto/, the AsciiDoc .txt sources, release notes. The pages are
# AsciiDoc's HTML as Debian ships it: navigation-free, long option lists (<dl>), code blocks, tables.
# Running it again gives the same tree.
set -euo pipefail

PACKAGE=git-doc
# Git's guides and its everyday commands (about 1.5 MB of text); git-config.html alone is 0.3 MB.
PAGES=(user-manual gittutorial gittutorial-2 giteveryday gitfaq gitglossary gitignore gitcredentials
       gitworkflows gitrevisions gitcli gitattributes githooks
       git-init git-clone git-add git-rm git-mv git-status git-diff git-commit git-log git-blame
       git-branch git-switch git-checkout git-restore git-reset git-revert git-merge git-rebase
       git-cherry-pick git-stash git-tag git-remote git-fetch git-pull git-push git-submodule
       git-worktree git-sparse-checkout git-bisect git-clean git-reflog git-gc git-maintenance git-config)

target=${1:-./gitdoc-corpus}
die() { echo "fetch_gitdoc.sh: $*" >&2; exit 1; }

if ! apt-cache show "$PACKAGE" >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "apt does not know $PACKAGE: run \`apt-get update\` as root first"
    log=$(apt-get update 2>&1) || { echo "$log" >&2; die "apt-get update failed (is the network up?)"; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "$PACKAGE" >/dev/null 2>&1) || die "apt-get download $PACKAGE failed"
dpkg-deb -x "$work"/"$PACKAGE"_*.deb "$work/root"
src="$work/root/usr/share/doc/git-doc"
version=$(dpkg-deb -f "$work"/"$PACKAGE"_*.deb Version)

mkdir -p "$target"
target=$(cd "$target" && pwd)
stage="$target/.$PACKAGE.tmp"
rm -rf "$stage"
mkdir -p "$stage"
for p in "${PAGES[@]}"; do
    [ -f "$src/$p.html" ] || die "$PACKAGE $version has no $p.html"
    cp --preserve=timestamps "$src/$p.html" "$stage/"
done
rm -rf "${target:?}/$PACKAGE"
mv "$stage" "$target/$PACKAGE"
echo "$target: $PACKAGE $version, $(find "$target/$PACKAGE" -type f | wc -l) files," \
     "$(du -sk "$target/$PACKAGE" | cut -f1) KB"
