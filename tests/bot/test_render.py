"""Rendering answers as embeds: inside Discord's limits whatever the text, escaped, highlight in bold."""

from __future__ import annotations

import dataclasses

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from bot.render import ELLIPSIS, escape, excerpt, shorten, shorten_left, size
from index import Answer, BuildSummary, Citation, Passage, Skipped
from index.store import DocumentEntry, LoadedIndex
from tests.bot.helpers import UNESCAPED_MASS_MENTION, embed_text

# Text that stresses rendering: markdown, mentions, emoji (2 UTF-16 units), combining marks, newlines.
NASTY = ["@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>", "**", "__", "~~", "||",
         "`", "```", "> ", "# ", "- ", "[x](https://evil.example)", "\\", "😀", "👨‍👩‍👧", "e\u0301", "\n",
         "\u200b", " "]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=30)), max_size=40).map(
    "".join)
# Repeating a nasty snippet makes long text (up to 7000 characters) cheaply.
long_text = st.one_of(nasty_text, st.builds(lambda s, n: ((s or "x") * n)[:7000], nasty_text,
                                            st.integers(1, 6000)))
SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]


def passage(text: str = "Une phrase. Une autre phrase.", title: str = "Titre", date: str | None = "2025-07",
            document: str = "doc.txt") -> Passage:
    return Passage(document=document, title=title, text=text, line_start=3, line_end=4, date=date)


@st.composite
def citations(draw, max_size: int = 10) -> list[Citation]:
    out = []
    for n in range(1, draw(st.integers(0, max_size)) + 1):
        text = draw(long_text)
        # The highlight is usually a sentence of the passage, sometimes not (e.g. "more" citations).
        if text and draw(st.booleans()):
            a = draw(st.integers(0, len(text) - 1))
            b = draw(st.integers(a + 1, len(text)))
            highlight = text[a:b]
        else:
            highlight = draw(nasty_text)
        p = passage(text, draw(long_text), draw(st.one_of(st.none(), nasty_text)), draw(nasty_text))
        # Some documents have a url (a link takes room in the field).
        url = draw(st.one_of(st.none(), st.builds(lambda k: "https://example.org/" + "x" * k, st.integers(0, 490))))
        out.append(Citation(n, dataclasses.replace(p, url=url), draw(st.floats(0, 1)), highlight))
    return out


@st.composite
def answers(draw) -> Answer:
    cites = draw(citations())
    sentences = [(draw(long_text), draw(st.integers(1, 10))) for _ in range(draw(st.integers(0, 3)))]
    answered = bool(sentences) and draw(st.booleans())  # an answer has sentences; a closest-passages reply none
    return Answer(draw(long_text) or "?", "answered" if answered else "not_covered", sentences if answered else [],
                  cites, draw(citations(5)))


def assert_within_limits(embeds: list[discord.Embed]) -> None:
    assert 1 <= len(embeds) <= render.EMBEDS_LIMIT
    total = 0
    for e in embeds:
        assert size(e.title or "") <= 256
        assert size(e.description or "") <= 4096
        assert len(e.fields) <= 25
        for f in e.fields:
            assert 0 < size(f.name) <= 256
            assert 0 < size(f.value) <= 1024
        assert size(e.footer.text or "") <= 2048
        assert len(e) <= 6000  # discord.py's own count
        total += render.embed_size(e)
        e.to_dict()  # serialisable as sent
    assert total <= 6000  # the limit is per message, across its embeds


@settings(max_examples=50, deadline=None, suppress_health_check=SLOW_OK)
@given(answers(), st.sampled_from(["en", "fr"]))
def test_answer_embeds_stay_within_discord_limits(answer, lang):
    """Any answer (long, odd, hostile text; up to 10 citations) renders within every embed limit."""
    embeds = render.answer_embeds(answer, lang)
    assert_within_limits(embeds)
    text = "\n".join(embed_text(e) for e in embeds)
    assert not UNESCAPED_MASS_MENTION.search(text)
    assert len(embeds[0].fields) == min(len(answer.citations), 25)


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW_OK)
@given(long_text, citations(10), st.sampled_from(["en", "fr"]))
def test_more_embeds_stay_within_discord_limits(question, cites, lang):
    """The "More passages" embed stays within limits too."""
    assert_within_limits(render.more_embeds(question, cites, lang))


@settings(max_examples=80, deadline=None)
@given(long_text, st.integers(0, 1500))
def test_shorten_respects_the_limit_and_marks_the_cut(text, limit):
    """shorten never exceeds the limit, returns short text unchanged, and ends a cut with an ellipsis."""
    out = shorten(text, limit)
    assert size(out) <= limit
    if size(text) <= limit:
        assert out == text
    elif limit:
        assert out.endswith(ELLIPSIS)
        assert text.startswith(out[:-1].rstrip())
    left = shorten_left(text, limit)
    assert size(left) <= limit


@pytest.mark.parametrize(("raw", "limit"), [("**x** " * 50, 0), ("**x** " * 50, -5), ("@everyone", 3)])
def test_fit_with_tiny_or_no_room(raw, limit):
    """No room gives an empty string (never an error); a little room gives escaped text within it."""
    out = render.fit(raw, limit)
    assert size(out) <= max(limit, 0)


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"),
    ("the quick brown fox", 12, "the quick…"),        # cut at a space, not inside "brown"
    ("the quick brown fox", 10, "the quick…"),
    ("abcdefghijklmnop", 8, "abcdefg…"),              # one long word: cut inside it
    ("a 😀😀😀😀😀", 7, "a 😀😀…"),                   # emoji count as two UTF-16 units
    ("anything", 0, ""),
])
def test_shorten_cases(text, limit, expected):
    """Word-boundary cuts, in UTF-16 units."""
    assert shorten(text, limit) == expected


@pytest.mark.parametrize(("raw", "escaped"), [
    ("**gras**", r"\*\*gras\*\*"),
    ("_it_ and __u__", r"\_it\_ and \_\_u\_\_"),
    ("`code`", r"\`code\`"),
    ("||spoiler||", r"\|\|spoiler\|\|"),
    ("@everyone and @here", "@\u200beveryone and @\u200bhere"),
    ("<@123456789012345678>", "<@\u200b123456789012345678>"),
    ("[lien](https://evil.example)", r"\[lien](https://evil.example)"),
])
def test_escape_defuses_markdown_and_mentions(raw, escaped):
    """Document text can't format, hide or ping."""
    assert escape(raw) == escaped


def test_excerpt_bolds_the_best_sentence():
    """The highlight is bold inside the escaped excerpt."""
    text = "Premier point. Jensen Huang a dîné à Mar-a-Lago avec **Trump**. Dernier point."
    out = excerpt(text, "Jensen Huang a dîné à Mar-a-Lago avec **Trump**.", 1024)
    assert out == r"Premier point. **Jensen Huang a dîné à Mar-a-Lago avec \*\*Trump\*\*.** Dernier point."


def test_excerpt_of_a_long_passage_keeps_the_highlight_with_context():
    """A passage far over the field limit is windowed around its best sentence, cut at words."""
    before = " ".join(f"avant{i}" for i in range(600))
    after = " ".join(f"après{i}" for i in range(600))
    hl = "La phrase qui répond à la question."
    out = excerpt(f"{before} {hl} {after}", hl, 500)
    assert size(out) <= 500
    assert f"**{hl}**" in out
    assert out.startswith(ELLIPSIS + "avant") and out.endswith(ELLIPSIS)
    assert " avant599 **" in out and "** après0 " in out


def test_real_answer_renders_title_location_and_bold_highlight(fake_engine):
    """Each citation field names the document, its location (section, lines) and bolds its best sentence."""
    answer = fake_engine.ask("Où Jensen Huang a-t-il dîné avec Donald Trump ?")
    [embed] = render.answer_embeds(answer, "fr")
    assert embed.title == escape(answer.question)
    assert embed.footer.text == render.t("footer_answered", "fr")
    for field, c in zip(embed.fields, answer.citations, strict=True):
        assert field.name == f"[{c.n}] {escape(c.passage.title)}"
        assert escape(c.passage.location) in field.value and c.passage.document in field.value
        assert f"**{escape(' '.join(c.highlight.split()))}**" in field.value


def test_unanswered_answer_shows_closest_passages_as_such():
    """Not covered: the description says so, the footer calls the passages the closest ones."""
    answer = Answer("recette de la tarte aux pommes", "not_covered", [], [Citation(1, passage(), 0.1, "Une phrase.")])
    [embed] = render.answer_embeds(answer, "en")
    assert embed.description == render.t("not_covered", "en")
    assert embed.footer.text == render.t("footer_closest", "en")
    assert embed.colour == render.COLOUR_CLOSEST
    assert len(embed.fields) == 1


def loaded(index: LoadedIndex, docs: list[DocumentEntry]) -> LoadedIndex:
    """The real index of `fake_engine`, listing other documents."""
    m = dataclasses.replace(index.manifest, model="fake`model", documents=len(docs),
                            passages=sum(d.count for d in docs))
    return dataclasses.replace(index, manifest=m, documents=docs)


def entry(i: int, title: str = "Titre", date: str | None = None, count: int = 3) -> DocumentEntry:
    return DocumentEntry(path=f"doc{i}.txt", title=title, sha256="0", size=1, mtime_ns=0,
                         passages=list(range(count)), date=date)


def test_sources_lists_documents_and_build_time(fake_engine):
    """/sources shows each document's title, passage count and date, and a Discord timestamp of the build."""
    index = fake_engine.index
    [embed] = render.sources_embeds(index, "en")
    built = int(index.manifest.built_at)
    assert f"<t:{built}:f>" in embed.description
    for d in index.documents:
        assert escape(d.title) in embed.description
    dated = next(d for d in index.documents if d.date)
    assert f"{escape(dated.title)}** · {dated.date}: {dated.count} passages" in embed.description
    assert_within_limits([embed])


# fake_engine's index is only read here, so sharing it between examples is fine.
@settings(max_examples=15, deadline=None,
          suppress_health_check=[*SLOW_OK, HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(long_text, st.one_of(st.none(), nasty_text), st.integers(1, 10_000)),
                     max_size=400))
def test_sources_of_many_odd_documents_stay_within_limits(fake_engine, docs):
    """Hundreds of documents with hostile titles: within limits, and the overflow is counted, not hidden."""
    entries = [entry(i, title, date, count) for i, (title, date, count) in enumerate(docs)]
    [embed] = render.sources_embeds(loaded(fake_engine.index, entries), "fr")
    assert_within_limits([embed])
    assert not UNESCAPED_MASS_MENTION.search(embed.description)
    shown = embed.description.count("\n**")
    if shown < len(entries):
        assert f"{len(entries) - shown} autres documents" in embed.description


def test_sources_with_no_documents(fake_engine):
    """An empty index says so."""
    [embed] = render.sources_embeds(loaded(fake_engine.index, []), "en")
    assert render.t("sources_empty", "en") in embed.description


def test_reindex_message_summarises_and_fits_a_message():
    """The /reindex reply counts each kind of change, names files, and stays under 2000 characters."""
    summary = BuildSummary(added=[f"new-{i}.txt" for i in range(300)], updated=["a_b.txt"], removed=[],
                           skipped=[Skipped("bad.pdf", "no text")], unchanged=["x"], passages=42,
                           written=True)
    text = render.reindex_message(summary, "en")
    assert text.startswith(
        "Index updated: 300 added, 1 updated, 0 removed, 1 skipped (1 unchanged; 42 passages).")
    assert r"a\_b.txt" in text and "bad.pdf (no text)" in text
    assert size(text) <= 2000


@pytest.mark.parametrize(("url", "expected"), [
    ("https://docs.example.org/guide/install.html", "https://docs.example.org/guide/install.html"),
    ("http://intranet/page?a=1&b=(2)", "http://intranet/page?a=1&b=%282%29"),
    ("  https://example.org/x  ", "https://example.org/x"),
    ("javascript:alert(1)", None),
    ("file:///etc/passwd", None),
    ("https://", None),
    ("https://example.org/a b", None),
    ("https://example.org/<script>", None),
    ("https://example.org/\u0000", None),
    ("https://example.org/" + "x" * 600, None),
    (None, None),
    (42, None),
])
def test_safe_link(url, expected):
    """Only http(s) URLs that can't break out of markdown's (url) become links."""
    assert render.safe_link(url) == expected


def linked_citation(url: str | None, anchor: str | None = None, document: str = "guide_v2.html") -> Citation:
    """A citation of a passage whose document has a url (and the passage an anchor)."""
    return Citation(1, dataclasses.replace(passage(document=document), url=url, anchor=anchor), 0.9, "Une phrase.")


@pytest.mark.parametrize(("url", "anchor", "link"), [
    ("https://example.org/guide.html", None, "https://example.org/guide.html"),
    ("https://example.org/guide.html#old", "install-steps", "https://example.org/guide.html#install-steps"),
    ("https://example.org/guide.html", "étape 2", "https://example.org/guide.html#%C3%A9tape%202"),
    ("javascript:alert(1)", "x", None),
    (None, "x", None),
])
def test_citation_link_uses_the_url_and_anchor(url, anchor, link):
    """A citation links to its document's url, at the passage's anchor when the library gives one."""
    assert render.citation_link(linked_citation(url, anchor)) == link


def test_linked_citation_names_its_document_as_a_link():
    """The field (whose name can't hold a link) starts its value with the location and the document as a link."""
    answer = Answer("Question ?", "answered", [("Une phrase.", 1)],
                    [linked_citation("https://example.org/g(1).html"), linked_citation(None, document="b.txt")])
    [embed] = render.answer_embeds(answer, "en")
    first, second = (f.value.split("\n")[0] for f in embed.fields)
    assert first == r"_lines 3–4 · 2025-07_ · [guide\_v2.html](https://example.org/g%281%29.html)"
    assert second == "_lines 3–4 · 2025-07 · b.txt_"
    assert_within_limits([embed])


def test_sources_and_documents_list_link_their_titles(fake_engine):
    """/sources and /documents list make a document's title a link to its url; a bad url links nothing."""
    entries = [dataclasses.replace(entry(0, "Guide [beta]", None, 3), url="https://example.org/guide"),
               dataclasses.replace(entry(1, "Autre", None, 1), url="ftp://example.org/x")]
    index = loaded(fake_engine.index, entries)
    [sources] = render.sources_embeds(index, "en")
    assert "**[Guide (beta)](https://example.org/guide)**: 3 passages" in sources.description
    assert "**Autre**: 1 passage" in sources.description
    [listed] = render.documents_embeds(index, "en")
    assert "`doc0.txt` — [Guide (beta)](https://example.org/guide) · 3 passages" in listed.description
    assert "`doc1.txt` — Autre · 1 passage" in listed.description
    assert_within_limits([sources, listed])


@settings(max_examples=10, deadline=None, suppress_health_check=[*SLOW_OK, HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.tuples(long_text, st.integers(1, 10_000)), max_size=300))
def test_documents_list_of_many_odd_documents_stays_within_limits(fake_engine, docs):
    """Hundreds of documents with hostile titles and long links: within limits, the overflow counted."""
    entries = [dataclasses.replace(entry(i, title, None, count), url=f"https://example.org/{'x' * (i % 500)}")
               for i, (title, count) in enumerate(docs)]
    [embed] = render.documents_embeds(loaded(fake_engine.index, entries), "fr")
    assert_within_limits([embed])
    assert not UNESCAPED_MASS_MENTION.search(embed.description)


def test_a_text_held_by_other_documents_says_where_else():
    """A cited passage whose text other documents hold too says so, in Discord and in plain text."""
    from index import Place

    places = (Place("guide.pdf", "Guide", page_start=12), Place("guide/ch3.html", "Guide", ("Réseau",)),
              Place("guide-old.txt", "Guide", line_start=4, line_end=9))
    cited = dataclasses.replace(passage(), document="guide/index.html", also_in=places)
    answer = Answer("Q ?", "answered", [("Une phrase.", 1)], [Citation(1, cited, 1.0, "Une phrase.")])
    field = render.answer_embeds(answer, "fr")[0].fields[0].value
    assert "aussi dans guide.pdf (p. 12); guide/ch3.html (Réseau) +1" in field
    assert "also in guide.pdf (p. 12)" in render.answer_text(answer, "en")
    alone = Answer("Q ?", "answered", [("Une phrase.", 1)], [Citation(1, passage(), 1.0, "Une phrase.")])
    assert "also in" not in render.answer_text(alone, "en")
    assert "aussi" not in embed_text(render.answer_embeds(alone, "fr")[0])
