"""Write a French-English word lexicon (index/data/fr-en.tsv.gz) from an openly licensed source.

usage: python benchmarks/bilingual_lexicon.py --omw wn-data-fra.tab --wordnet DIR [--out FILE]
       python benchmarks/bilingual_lexicon.py --freedict DIR --out FILE     (for measurement only: GPL)

Sources:
- `--omw`: the French wordnet WOLF (Wordnet Libre du Français, Benoît Sagot and Darja Fišer; CeCILL-C) as the
  Open Multilingual Wordnet lays it out (`wns/fra/wn-data-fra.tab` of github.com/omwn/omw-data), joined by
  synset to Princeton WordNet 3.0's English lemmas (`--wordnet`: the folder holding data.noun, data.verb,
  data.adj, data.adv; Debian's `wordnet-base` installs them in /usr/share/wordnet; WordNet 3.0 licence).
  The lexicon written from it is a derived work of WOLF: it is shipped under CeCILL-C, with both notices
  (index/data/fr-en.NOTICE).
- `--freedict`: Debian's dict-freedict-fra-eng and dict-freedict-eng-fra (the folder holding their
  freedict-*.index and .dict.dz, /usr/share/dictd). GPL-2+: what is written from it must not be shipped in
  docbot (MIT); it serves to compare.

The file holds a line per pair: the French word, the English word (lower case, accents kept, single words
only) and how many senses (synsets, or dictionaries) give the pair, tab-separated; each word keeps its
`--per-word` most given translations in each direction. docbot stems both sides
at load time with the index's own analyser (index/bilingual.py).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _word(text: str) -> str | None:
    w = text.strip().lower().replace("_", " ")
    return w if _WORD.match(w) and len(w) > 1 else None


def omw_pairs(tab: Path, wordnet: Path) -> Counter:
    """(French, English) word pairs with the number of synsets that give them."""
    english: dict[str, list[str]] = {}
    for pos, name in (("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")):
        for line in (wordnet / f"data.{name}").open(encoding="latin-1"):
            if line.startswith(" "):
                continue
            fields = line.split()
            count = int(fields[3], 16)
            lemmas = [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]) for i in range(count)]
            # OMW names adjective satellites (s) as adjectives (a).
            english[f"{fields[0]}-{pos}"] = lemmas
    pairs: Counter = Counter()
    for line in tab.open(encoding="utf-8"):
        if line.startswith("#"):
            continue
        synset, kind, lemma = line.rstrip("\n").split("\t")[:3]
        fr = _word(lemma)
        if kind != "fra:lemma" or fr is None:
            continue
        for lemma_en in english.get(synset, ()):
            en = _word(lemma_en)
            if en is not None:
                pairs[fr, en] += 1
    return pairs


def _entries(folder: Path, name: str):
    data = gzip.open(folder / f"{name}.dict.dz").read()
    for line in (folder / f"{name}.index").open(encoding="utf-8"):
        head, offset, length = line.rstrip("\n").split("\t")
        if head.startswith("00database"):
            continue
        start = _b64(offset)
        yield data[start:start + _b64(length)].decode("utf-8")


def _b64(text: str) -> int:
    n = 0
    for c in text:
        n = n * 64 + _B64[c]
    return n


def freedict_pairs(folder: Path) -> Counter:
    """(French, English) word pairs of FreeDict's two dictionaries, counted once per dictionary giving them."""
    pairs: Counter = Counter()
    for name, french_first in (("freedict-fra-eng", True), ("freedict-eng-fra", False)):
        for entry in _entries(folder, name):
            lines = entry.strip().split("\n")
            head = _word(lines[0].split(" /")[0].split(" <")[0])
            if head is None:
                continue
            for line in lines[1:]:
                for item in re.sub(r"^\s*\d+\.\s*", "", line).split(","):
                    other = _word(re.sub(r"\(.*?\)", "", item))
                    if other is not None:
                        pairs[(head, other) if french_first else (other, head)] += 1
    return pairs


def best(pairs: Counter, per_word: int) -> list[tuple[str, str, int]]:
    """Each French word's `per_word` most given translations and each English word's, with how often given."""
    by_fr: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_en: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (fr, en), n in pairs.items():
        if fr != en:
            by_fr[fr].append((n, en))
            by_en[en].append((n, fr))
    keep = {(fr, en) for fr, ens in by_fr.items() for _, en in sorted(ens, key=lambda x: (-x[0], x[1]))[:per_word]}
    keep |= {(fr, en) for en, frs in by_en.items() for _, fr in sorted(frs, key=lambda x: (-x[0], x[1]))[:per_word]}
    return sorted((fr, en, pairs[fr, en]) for fr, en in keep)


def main(argv: list[str] | None = None) -> int:
    """Write the lexicon."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--omw", type=Path, help="wn-data-fra.tab of the Open Multilingual Wordnet (WOLF)")
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"), help="WordNet 3.0 data folder")
    parser.add_argument("--freedict", type=Path, help="folder of FreeDict's fra-eng and eng-fra (GPL: not shipped)")
    parser.add_argument("--per-word", type=int, default=3, help="translations kept per word in each direction")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data" / "fr-en.tsv.gz")
    args = parser.parse_args(argv)
    if (args.omw is None) == (args.freedict is None):
        parser.error("give one source: --omw (with --wordnet) or --freedict")
    pairs = omw_pairs(args.omw, args.wordnet) if args.omw else freedict_pairs(args.freedict)
    kept = best(pairs, args.per_word)
    text = "".join(f"{fr}\t{en}\t{n}\n" for fr, en, n in kept)
    # mtime=0: the same source gives the same bytes.
    with open(args.out, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.encode("utf-8"))
    print(f"{len(kept)} pairs ({len({p[0] for p in kept})} French words, {len({p[1] for p in kept})} English) "
          f"-> {args.out} ({args.out.stat().st_size // 1024} KiB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
