"""`docbot sources`: a website and a git repository fetched, indexed and cited; syncs fetch only what changed."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bot.sources import web
from tests.bot.sources.conftest import PAGES, git, snapshot

KERNEL_QUESTION = "Can I safely de-install an old kernel package?"


def ask(docbot, question: str) -> dict:
    r = docbot("ask", "--json", "--no-log", question)
    assert r.code == 0, r.err
    return json.loads(r.out)


def urls(answer: dict) -> list[str]:
    return [c.get("link") or "" for c in answer["citations"]]


def test_a_website_and_a_repository_answer_with_links_to_their_pages(docbot, site, repository, documents):
    """`sources add` a site and a repository, `index`, `ask`: answers cite the live pages, by URL."""
    bare, _ = repository
    r = docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq")
    assert r.code == 0, r.err
    assert "5 files fetched" in r.out
    r = docbot("sources", "add", str(bare), "--subdir", "docs")
    assert r.code == 0, r.err
    assert sorted(p.name for p in (documents / "project").glob("*.md")) == ["install.md", "tuning.md"]
    assert sorted(p.name for p in (documents / "faq").iterdir() if not p.name.startswith(".")) == sorted(
        [*PAGES, "metadata.json"])
    assert docbot("index").code == 0

    answer = ask(docbot, KERNEL_QUESTION)
    assert answer["answered"]
    assert urls(answer)[0].startswith(f"{site.url}/doc/FAQ/kernel.en.html")  # at the passage's anchor
    assert answer["citations"][0]["document"] == "faq/kernel.en.html"
    answer = ask(docbot, "What is the default cache size of Frobnicator?")
    assert answer["answered"] and answer["citations"][0]["document"] == "project/tuning.md"
    assert "64 megabytes" in answer["answer"]

    listed = docbot("sources", "list").out
    assert f"source faq (website): {site.url}/doc/FAQ/index.en.html, synced" in listed
    assert f"source project (git, folder docs): {bare}, synced" in listed
    assert "- " in listed and "faq/kernel.en.html" in listed  # then the indexed documents, as before


def test_a_second_sync_fetches_and_embeds_the_changed_page_alone(docbot, site, documents, fake_embedder):
    """After one page changes, `sync` downloads that page alone (304s for the rest) and re-embeds its passages."""
    assert docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq").code == 0
    assert docbot("index").code == 0
    kernel = site.root / "kernel.en.html"
    kernel.write_text(kernel.read_text(encoding="utf-8").replace(
        "rarely needed.", "rarely needed; the zorglub module is the exception and is loaded by hand."),
        encoding="utf-8")
    site.hits.clear()
    fake_embedder.embedded = 0

    r = docbot("sources", "sync")
    assert r.code == 0, r.err
    assert "faq: 1 new or changed, 4 unchanged, 0 removed" in r.out
    assert "0 added, 1 updated, 0 removed" in r.out
    pages = {f"/doc/FAQ/{p}" for p in PAGES}
    assert {p: site.hits[p] for p in pages} == dict.fromkeys(pages, 1)
    assert set(site.not_modified) == pages - {"/doc/FAQ/kernel.en.html"}
    kernel_passages = sum(1 for line in docbot("passages", "--json", "faq/kernel.en.html").out.splitlines())
    assert 0 < fake_embedder.embedded <= kernel_passages
    answer = ask(docbot, "Which module is loaded by hand?")
    assert "zorglub" in answer["answer"] and urls(answer)[0].startswith(f"{site.url}/doc/FAQ/kernel.en.html")


def test_a_site_without_sitemap_is_crawled_from_its_start_page_within_its_path(docbot, site, documents):
    """Without sitemap.xml the start page's links are followed, within /doc/FAQ/; missing pages are skipped."""
    site.sitemap = False
    index = site.root / "index.en.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</body>", '<a href="private/notes.html">Notes</a><a href="/elsewhere/x.html">X</a></body>'), encoding="utf-8")
    r = docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq")
    assert r.code == 0, r.err
    kept = sorted(p.name for p in (documents / "faq").glob("*.html"))
    assert kept == sorted(PAGES)
    assert "skipped" in r.err and "HTTP 404" in r.err and "Traceback" not in r.err
    meta = json.loads((documents / "faq" / "metadata.json").read_text())
    assert meta["kernel.en.html"] == {"url": f"{site.url}/doc/FAQ/kernel.en.html"}
    assert "/doc/FAQ/private/notes.html" not in site.hits  # robots.txt disallows it
    assert all(path.startswith(("/doc/FAQ/", "/robots.txt")) for path in site.hits)  # within the start's path


def test_a_start_url_that_redirects_within_the_site_is_followed(docbot, site, documents):
    """A start URL redirecting to a page of the site (…/FAQ -> …/FAQ/index.en.html): the pages are fetched."""
    r = docbot("sources", "add", f"{site.url}/doc/FAQ", "--name", "faq")
    assert r.code == 0, r.err
    meta = json.loads((documents / "faq" / "metadata.json").read_text())
    assert sorted(meta) == sorted(PAGES)
    assert meta["index.en.html"] == {"url": f"{site.url}/doc/FAQ/index.en.html"}


@pytest.mark.parametrize(("setting", "value", "note", "at_most"), [
    ("DOCBOT_SOURCE_MAX_PAGES", "2", "stopped at 2 pages (DOCBOT_SOURCE_MAX_PAGES)", 2),
    ("DOCBOT_SOURCE_MAX_TOTAL_MB", "0.06", "stopped at the total limit of 0.06 MB (DOCBOT_SOURCE_MAX_TOTAL_MB)", 4),
])
def test_a_site_larger_than_the_limits_is_fetched_up_to_them(docbot, site, documents, monkeypatch, setting, value,
                                                             note, at_most):
    """Past the pages or total bytes allowed, the fetch stops there, keeps what it has and says which limit."""
    monkeypatch.setenv(setting, value)
    r = docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq")
    assert r.code == 0, r.err
    assert note in r.err
    kept = list((documents / "faq").glob("*.html"))
    assert 1 <= len(kept) <= at_most
    assert sum(p.stat().st_size for p in kept) <= float(value) * 1024 * 1024 or setting.endswith("PAGES")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BAD = {
    "unreachable": (lambda site, tmp: f"http://127.0.0.1:{free_port()}/docs/", "cannot reach"),
    "404": (lambda site, tmp: f"{site.url}/bad/none/", "HTTP 404"),
    "500": (lambda site, tmp: f"{site.url}/bad/error/", "HTTP 500"),
    "hangs": (lambda site, tmp: f"{site.url}/bad/hang/", "DOCBOT_SOURCE_TIMEOUT_SECONDS"),
    "200 MB": (lambda site, tmp: f"{site.url}/bad/big/", "larger than 10 MB"),
    "redirect loop": (lambda site, tmp: f"{site.url}/bad/loop/", "redirect loop"),
    "binary": (lambda site, tmp: f"{site.url}/bad/binary/", "not HTML"),
    "robots.txt": (lambda site, tmp: f"{site.url}/doc/FAQ/private/", "disallowed by the site's robots.txt"),
    "no repository": (lambda site, tmp: str(tmp / "nowhere.git"), "no repository"),
    "credentials": (lambda site, tmp: f"{site.url}/git/private.git", "needs credentials"),
}


@pytest.fixture
def indexed_documents(docbot, documents, tmp_path):
    """The documents indexed; what must stay as it is: the documents' files and the index's."""
    assert docbot("index").code == 0
    index = tmp_path / "index"

    def unchanged() -> None:
        assert snapshot(documents) == before_docs
        assert {k: v for k, v in snapshot(index).items() if not k.startswith("sources/")} == before_index

    before_docs = snapshot(documents)
    before_index = snapshot(index)
    return unchanged


@pytest.mark.parametrize("case", BAD)
def test_a_bad_source_is_one_line_and_changes_nothing(docbot, site, indexed_documents, tmp_path, case):
    """Each bad source: one line naming the problem, exit 1, no traceback; documents, index and list unchanged."""
    make_url, words = BAD[case]
    r = docbot("sources", "add", make_url(site, tmp_path), "--name", "bad")
    assert r.code == 1, r
    assert len(r.err_lines) == 1, r.err
    assert r.err.startswith("docbot: source bad: ") and words in r.err, r.err
    indexed_documents()
    assert "source bad" not in docbot("sources", "list").out
    if case == "200 MB":
        assert site.sent["/bad/big/"] < 50 * 1024 * 1024  # it stopped reading: the rest was never sent


def test_a_failed_sync_leaves_the_previous_documents(docbot, site, documents, tmp_path):
    """A site answering 500 at the next sync: one line, exit 1, the previous pages and index kept and listed."""
    assert docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq").code == 0
    assert docbot("index").code == 0
    before_docs, before_index = snapshot(documents), snapshot(tmp_path / "index")
    site.failing = True
    r = docbot("sources", "sync")
    assert r.code == 1 and len(r.err_lines) == 1, r.err
    assert r.err.startswith("docbot: source faq: ") and "HTTP 500" in r.err
    assert snapshot(documents) == before_docs
    assert {k: v for k, v in snapshot(tmp_path / "index").items() if not k.startswith("sources/")} == {
        k: v for k, v in before_index.items() if not k.startswith("sources/")}
    assert "last sync failed: " in docbot("sources", "list").out
    assert urls(ask(docbot, KERNEL_QUESTION))[0].startswith(f"{site.url}/doc/FAQ/kernel.en.html")


def test_a_sync_interrupted_halfway_leaves_the_previous_documents(docbot, site, documents, tmp_path, monkeypatch):
    """Ctrl-C in the middle of a sync: exit 130, one line; the documents and index as they were, then a sync works."""
    assert docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq").code == 0
    assert docbot("index").code == 0
    (site.root / "kernel.en.html").write_text("<html><body><p>Changed.</p></body></html>", encoding="utf-8")
    before_docs, before_index = snapshot(documents), snapshot(tmp_path / "index")
    page = web.Crawler._page
    calls = []

    async def interrupted(self, url, **kwargs):
        calls.append(url)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return await page(self, url, **kwargs)

    monkeypatch.setattr(web.Crawler, "_page", interrupted)
    r = docbot("sources", "sync")
    assert r.code == 130 and len(r.err_lines) == 1, r.err
    assert r.err.startswith("docbot: interrupted; the documents and the index were left as they were")
    assert snapshot(documents) == before_docs
    assert snapshot(tmp_path / "index") == before_index
    monkeypatch.setattr(web.Crawler, "_page", page)
    r = docbot("sources", "sync")
    assert r.code == 0 and "1 new or changed" in r.out, r.err


def test_one_sync_of_a_source_at_a_time(docbot, repository, documents):
    """While another sync of a source runs (the bot's schedule), `sync` of it says so and changes nothing."""
    from bot.sources import layout

    bare, _ = repository
    assert docbot("sources", "add", str(bare), "--name", "frob").code == 0
    before = snapshot(documents)
    with layout.locked(documents, "frob") as mine:
        assert mine
        r = docbot("sources", "sync", "frob")
    assert r.code == 1 and len(r.err_lines) == 1 and "another sync of this source is running" in r.err, r.err
    assert snapshot(documents) == before


def test_a_repository_sync_pulls_and_keeps_what_did_not_change(docbot, repository, documents):
    """A new commit: `sync` pulls it; the changed guide is re-read, a removed one leaves, the rest stays."""
    bare, work = repository
    assert docbot("sources", "add", bare.as_uri(), "--name", "frob", "--subdir", "docs").code == 0
    assert docbot("index").code == 0
    (work / "docs" / "tuning.md").write_text("# Tuning\n\nThe cache size is set by FROB_CACHE_MB; the default is "
                                             "128 megabytes since version 2.\n", encoding="utf-8")
    git("rm", "--quiet", "docs/install.md", cwd=work)
    git("commit", "--quiet", "-am", "tuning", cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    r = docbot("sources", "sync", "frob")
    assert r.code == 0, r.err
    assert "frob: 1 new or changed, 0 unchanged, 1 removed" in r.out
    assert "0 added, 1 updated, 1 removed" in r.out
    assert "128 megabytes" in ask(docbot, "What is the default cache size of Frobnicator?")["answer"]


def test_a_github_repository_cites_each_file_on_github(docbot, repository, documents, monkeypatch):
    """A repository on GitHub (here redirected to a local one by git's insteadOf): citations link to the file there,
    at the cited lines."""
    bare, _ = repository
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", f"url.{bare.as_uri()}.insteadOf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "https://github.com/acme/frob.git")
    r = docbot("sources", "add", "https://github.com/acme/frob.git", "--subdir", "docs")
    assert r.code == 0, r.err
    assert docbot("index").code == 0
    answer = ask(docbot, "What is the default cache size of Frobnicator?")
    assert answer["citations"][0]["document"] == "frob/tuning.md"
    passage = answer["citations"][0]
    assert urls(answer)[0] == ("https://github.com/acme/frob/blob/main/docs/tuning.md?plain=1"
                               f"#L{passage['line_start']}-L{passage['line_end']}")


def test_sources_toml_beside_the_documents_holds_the_list(docbot, repository, documents):
    """A documents folder with a sources.toml keeps its sources there: added, listed, removed."""
    bare, _ = repository
    (documents / "sources.toml").write_text("# ours\n", encoding="utf-8")
    r = docbot("sources", "add", str(bare), "--subdir", "docs", "--name", "frob")
    assert r.code == 0 and str(documents / "sources.toml") in r.out, r.err
    text = (documents / "sources.toml").read_text()
    assert "[frob]" in text and f'url = "{bare}"' in text and 'subdir = "docs"' in text
    r = docbot("sources", "remove", "frob")
    assert r.code == 0 and not (documents / "frob").exists()
    assert "[frob]" not in (documents / "sources.toml").read_text()


@pytest.mark.parametrize(("args", "words"), [
    (("sources", "add", "ftp://example.org/x"), "not a website or git repository URL"),
    (("sources", "add", "https://example.org/docs/", "--name", "../up"), "invalid source name"),
    (("sources", "remove", "nope"), "no source named 'nope'"),
    (("sources", "sync", "nope"), "no source named 'nope'"),
])
def test_mistakes_are_one_line(docbot, documents, args, words):
    """A wrong URL, name or source: one line, exit 1."""
    r = docbot(*args)
    assert r.code == 1 and len(r.err_lines) == 1 and words in r.err, r.err


def test_a_name_taken_by_a_folder_of_the_documents_is_refused(docbot, site, documents):
    """A source never replaces a folder it did not make."""
    (documents / "faq").mkdir()
    (documents / "faq" / "mine.md").write_text("# Mine\n\nKeep me.\n", encoding="utf-8")
    r = docbot("sources", "add", f"{site.url}/doc/FAQ/index.en.html", "--name", "faq")
    assert r.code == 1 and "is not a source's folder" in r.err
    assert [p.name for p in (documents / "faq").iterdir()] == ["mine.md"]
    assert not site.hits


@pytest.mark.parametrize(("remote", "path", "url"), [
    ("https://github.com/mkdocs/mkdocs.git", "docs/index.md", "https://github.com/mkdocs/mkdocs/blob/main/docs/index.md"),
    ("git@github.com:mkdocs/mkdocs.git", "docs/a b.md", "https://github.com/mkdocs/mkdocs/blob/main/docs/a%20b.md"),
    ("https://gitlab.com/group/sub/project.git", "doc/x.md", "https://gitlab.com/group/sub/project/-/blob/main/doc/x.md"),
    ("https://codeberg.org/forgejo/docs.git", "README.md", "https://codeberg.org/forgejo/docs/src/branch/main/README.md"),
    ("https://git.example.org/team/docs.git", "README.md", None),
    ("file:///srv/docs.git", "README.md", None),
])
def test_files_of_known_forges_link_to_their_web_page(remote, path, url):
    """A repository on GitHub, GitLab or Codeberg: each file's citation links to its page on the forge."""
    from bot.sources.git import file_url, web_base

    assert file_url(web_base(remote), "main", path) == url


def test_a_local_repository_path_becomes_a_file_url(tmp_path):
    """A local folder is cloned through file://, so the clone is shallow too."""
    from bot.sources.git import remote_url

    assert remote_url(str(tmp_path)) == Path(tmp_path).resolve().as_uri()


@pytest.mark.parametrize(("remote", "lines"), [
    ("https://github.com/o/r.git", "https://github.com/o/r/blob/main/doc/x.md?plain=1#L3-L9"),
    ("https://gitlab.com/o/r.git", "https://gitlab.com/o/r/-/blob/main/doc/x.md?plain=1#L3-9"),
    ("https://codeberg.org/o/r.git", "https://codeberg.org/o/r/src/branch/main/doc/x.md?display=source#L3-L9"),
    ("https://git.example.org/o/r.git", None),
])
def test_citations_of_forge_files_link_to_their_lines(remote, lines):
    """A passage of a repository's file links to its lines on the forge, shown as source (Markdown included)."""
    from bot.sources.git import lines_url, web_base
    from index import Place

    template = lines_url(web_base(remote), "main", "doc/x.md")
    place = Place("x.md", "X", line_start=3, line_end=9, url="https://forge/x.md", lines_url=template)
    assert (template and place.link) == lines
