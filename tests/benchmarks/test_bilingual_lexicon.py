"""The lexicon writer (benchmarks/bilingual_lexicon.py): WOLF's French lemmas joined to WordNet's English ones."""

from __future__ import annotations

import gzip

from benchmarks.bilingual_lexicon import main
from index.bilingual import Lexicon
from index.text import Analyzer

# WordNet 3.0's data files: offset, lexicographer file, type, word count (hex), then word and lex id pairs.
NOUNS = ("  1 This software and database is being provided to you\n"
         "00001740 03 n 02 entity 0 physical_entity 0 003 ~ 00001930 n 0000 | that which is perceived\n"
         "08780881 15 n 02 repository 0 depository 0 000 | a facility where things can be deposited\n")
VERBS = "00001740 29 v 02 merge 0 unify 0 000 | become one\n"
WOLF = ("# WOLF (Wordnet Libre du Français)\tfra\thttp://alpage.inria.fr/~sagot/wolf-en.html\tCeCILL-C\n"
        "00001740-n\tfra:lemma\tentité\n08780881-n\tfra:lemma\tdépôt\n00001740-v\tfra:lemma\tfusionner\n"
        "00001740-v\tfra:def\t0\tdevenir un\n")


def test_writes_the_word_pairs_of_each_synset(tmp_path):
    """Each French lemma is paired with its synset's English single words, in a file docbot reads."""
    wordnet = tmp_path / "wordnet"
    wordnet.mkdir()
    (wordnet / "data.noun").write_text(NOUNS, encoding="latin-1")
    (wordnet / "data.verb").write_text(VERBS, encoding="latin-1")
    (wordnet / "data.adj").write_text("")
    (wordnet / "data.adv").write_text("")
    (tmp_path / "wn-data-fra.tab").write_text(WOLF, encoding="utf-8")
    out = tmp_path / "fr-en.tsv.gz"
    assert main(["--omw", str(tmp_path / "wn-data-fra.tab"), "--wordnet", str(wordnet), "--out", str(out)]) == 0
    lines = gzip.open(out, "rt", encoding="utf-8").read().splitlines()
    assert lines == ["dépôt\tdepository\t1", "dépôt\trepository\t1", "entité\tentity\t1", "fusionner\tmerge\t1",
                     "fusionner\tunify\t1"]  # "physical entity" is two words: left out
    analyzer = Analyzer("en", counts={"en": 1})
    assert set(Lexicon.read(out).translate(analyzer, "fusion", "fr", "en")) == {"merg", "unifi"}
