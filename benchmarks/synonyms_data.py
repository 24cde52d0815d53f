"""Write per-language synonym lists (index/data/<lang>/synonyms.tsv.gz) from LibreOffice's thesauri.

usage: python benchmarks/synonyms_data.py [--fr /usr/share/mythes/thes_fr.dat]
                                          [--en /usr/share/mythes/th_en_US_v2.dat] [--per-word 12]
       python benchmarks/synonyms_data.py --pivot index/data/fr-en.tsv.gz [--agree] --out DIR   (to compare)

Sources (Debian packages `mythes-fr` and `mythes-en-us`, from LibreOffice's dictionaries):
- French: thes_fr.dat (Kevin Hendricks, Frédéric Labbé, Laurent Godard; LGPL-2.1+).
- English: th_en_US_v2.dat, generated from Princeton WordNet 3 (WordNet 3.0 licence).
Their MyThes format: a line "word|senses", then one line per sense "(part of speech)|synonym|synonym|...";
the English one marks some synonyms "(generic term)", "(similar term)", "(related term)" or "(antonym)".

The file written holds a line per headword: the word, then its synonyms in the thesaurus's order (its first
senses first), tab-separated; lower case, accents kept, single words only (hyphens allowed), at most
`--per-word` synonyms a word, words without synonyms left out. Of the English annotations only plain synonyms
and "(similar term)" are kept: generic terms are broader words ("boss" -> "leader", "city"), antonyms the
opposite. docbot stems both sides when it looks a word up (index/synonyms.py). The files are shipped as
separate data files with their notices (index/data/synonyms.NOTICE): LGPL-2.1+ data may be shipped beside MIT
code that reads it, the data keeping its licence.

`--pivot` writes instead, for comparison, the words of one language that share a translation in a bilingual
lexicon (the shipped French-English one, derived from WOLF: CeCILL-C); `--agree` keeps the thesaurus's
synonyms that the pivot also gives. Both did worse on the dev sets (see index/synonyms.py).
"""

from __future__ import annotations

import argparse
import gzip
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")
_KEPT = ("", "similar term")  # English annotations kept


def _word(text: str) -> str | None:
    w = text.strip().lower()
    return w if _WORD.match(w) and len(w) > 1 else None


def read_mythes(path: Path) -> dict[str, list[str]]:
    """Each headword's synonyms (single words), in the thesaurus's order, without repeats."""
    out: dict[str, dict[str, None]] = {}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    i = 1  # the first line names the encoding
    while i < len(lines):
        head, _, count = lines[i].rpartition("|")
        i += 1
        if not count.isdigit():
            continue
        senses, i = lines[i:i + int(count)], i + int(count)
        word = _word(head)
        if word is None:
            continue
        found = out.setdefault(word, {})
        for sense in senses:
            for entry in sense.split("|")[1:]:
                m = re.match(r"^(.*?)\s*(?:\(([a-z ]+)\))?$", entry)
                text, note = (m.group(1), m.group(2) or "") if m else (entry, "")
                synonym = _word(text)
                if note in _KEPT and synonym is not None and synonym != word:
                    found.setdefault(synonym)
    return {w: list(s) for w, s in out.items() if s}


def pivot(lexicon: Path, per_word: int = 3) -> dict[str, dict[str, list[str]]]:
    """Synonyms by a bilingual lexicon: words of one language sharing a translation, most given first.

    `lexicon` holds `word_a TAB word_b TAB count` lines (index/data/fr-en.tsv.gz); each word's `per_word` most
    given translations are followed back to the words they translate. Keyed by language ("fr", "en").
    """
    a, _, b = lexicon.name.split(".")[0].partition("-")
    forward: dict[str, list[tuple[int, str]]] = {}
    backward: dict[str, list[tuple[int, str]]] = {}
    with gzip.open(lexicon, "rt", encoding="utf-8") as f:
        for line in f:
            x, y, count = (line.rstrip("\n").split("\t") + ["1"])[:3]
            forward.setdefault(x, []).append((int(count), y))
            backward.setdefault(y, []).append((int(count), x))
    out = {}
    for lang, there, back in ((a, forward, backward), (b, backward, forward)):
        found: dict[str, list[str]] = {}
        for word, translations in there.items():
            score: dict[str, int] = {}
            for count, other in sorted(translations, key=lambda t: -t[0])[:per_word]:
                for count_back, same in back.get(other, ()):
                    if same != word:
                        score[same] = score.get(same, 0) + min(count, count_back)
            if score:
                found[word] = sorted(score, key=lambda w: -score[w])
        out[lang] = found
    return out


def write(synonyms: dict[str, list[str]], out: Path, per_word: int) -> int:
    """Write `word TAB synonym TAB ...` lines, gzipped; the number of lines."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join([w, *s[:per_word]]) for w, s in sorted(synonyms.items())]
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def main() -> None:
    """Read the thesauri given and write each language's file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fr", type=Path, default=Path("/usr/share/mythes/thes_fr.dat"))
    parser.add_argument("--en", type=Path, default=Path("/usr/share/mythes/th_en_US_v2.dat"))
    parser.add_argument("--per-word", type=int, default=12, help="synonyms kept a word, first senses first")
    parser.add_argument("--out", type=Path, default=ROOT / "index" / "data", help="the folder of <lang>/ folders")
    parser.add_argument("--pivot", type=Path, help="a bilingual lexicon: synonyms are words sharing a translation")
    parser.add_argument("--agree", action="store_true", help="with --pivot: the thesaurus's synonyms it also gives")
    args = parser.parse_args()
    pivoted = pivot(args.pivot) if args.pivot else {}
    for lang, path in (("fr", args.fr), ("en", args.en)):
        target = args.out / lang / "synonyms.tsv.gz"
        synonyms = pivoted[lang] if args.pivot and not args.agree else read_mythes(path)
        if args.agree:
            synonyms = {w: [x for x in s if x in set(pivoted[lang].get(w, ()))] for w, s in synonyms.items()}
            synonyms = {w: s for w, s in synonyms.items() if s}
        n = write(synonyms, target, args.per_word)
        print(f"{lang}: {n} words -> {target} ({target.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
