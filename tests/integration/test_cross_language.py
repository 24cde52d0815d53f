"""French questions about an English manual, with the real models: answered by meaning, or declined."""

from __future__ import annotations

import pytest

from index import BuildOptions, E5OnnxEmbedder, Engine, SentenceTransformerEmbedder, build_index

pytestmark = pytest.mark.integration

MANUAL = {
    "holds.md": "# Holding packages\n\nTo stop a package from being upgraded automatically, put a hold on it with "
                "`apt-mark hold PACKAGE`. The package keeps its installed version until you run "
                "`apt-mark unhold PACKAGE`. Held packages are listed by `apt-mark showhold`.\n",
    "proxy.md": "# Using a proxy\n\nWhen the network reaches the Internet through a web proxy, tell APT about it in "
                "/etc/apt/apt.conf.d/proxy.conf with the line `Acquire::http::Proxy \"http://proxy:3128/\";`. "
                "Downloads then go through the proxy.\n",
    "cache.md": "# Cleaning the cache\n\nDownloaded package files stay in /var/cache/apt/archives. "
                "`apt-get autoclean` removes only the files that can no longer be downloaded; `apt-get clean` "
                "removes them all and frees the most disk space.\n",
    "sources.md": "# Package sources\n\nThe repositories APT downloads from are listed in /etc/apt/sources.list "
                  "and in files under /etc/apt/sources.list.d/. Run `apt update` after changing them so that "
                  "the package lists are read again.\n",
    "logs.md": "# Logs\n\nEvery installation, upgrade and removal is recorded in /var/log/apt/history.log, with the "
               "command line that asked for it and the date. The terminal output is kept in term.log.\n",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, e5_onnx_cache):
    """An English manual indexed with the default models and settings (language detected)."""
    docs = tmp_path_factory.mktemp("manual")
    for name, text in MANUAL.items():
        (docs / name).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        embedder = SentenceTransformerEmbedder()
        multilingual = E5OnnxEmbedder(e5_onnx_cache)
        index_dir = tmp_path_factory.mktemp("index")
        build_index(docs, index_dir, embedder, BuildOptions(), multilingual=multilingual)
        yield Engine(index_dir, embedder, multilingual=multilingual)


def test_the_manual_is_detected_as_english(engine):
    """Every passage of the English manual is recorded as English."""
    assert {p.language for p in engine.index.passages} == {"en"}


@pytest.mark.parametrize(("question", "document"), [
    ("Comment empêcher qu'un paquet soit mis à jour automatiquement ?", "holds.md"),
    ("Où est enregistré l'historique des installations de paquets ?", "logs.md"),
])
def test_a_french_question_is_answered_from_english_text(engine, question, document):
    """A French question about what the English manual covers is answered, citing the right page."""
    answer = engine.ask(question)
    assert answer.answered
    assert answer.citations[0].passage.document == document


def test_an_unrelated_french_question_is_declined(engine):
    """A French question about something the manual does not cover is declined."""
    assert not engine.ask("Quelle est la recette de la pâte à crêpes ?").answered
