"""The `docbot` command line: what it prints, on which stream, and its exit codes.

Most tests run the real entry point, `bot.cli.main`, in this process with the fake embedder; a few
run it in a child process, for what only a real process shows (the logging set-up, stderr as a whole).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.terminal import answer_json, render_answer
from index import Answer, Citation, Passage
from tests.bot.conftest import Result

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "documents"
SUMMARY = re.compile(r"^(Index updated|Index up to date): (\d+) added, (\d+) updated, (\d+) removed, "
                     r"(\d+) skipped, (\d+) unchanged; (\d+) passages \((\d+) embedded\) in [\d.]+s$")
QUESTIONS = ["Où Jensen Huang a-t-il dîné avec Donald Trump ?", "Qui est le PDG de Nvidia ?",
             "Who is the CEO of Nvidia?", "How do I bake sourdough bread?"]


def assert_one_line_error(r: Result, code: int, *words: str) -> None:
    assert r.code == code, r
    assert len(r.err_lines) == 1, r.err
    assert r.err.startswith("docbot: ") and "Traceback" not in r.err
    for w in words:
        assert w in r.err, r.err


# docbot index

def test_index_prints_the_summary(docbot, fake_embedder):
    """`docbot index` builds and prints one summary line: added, updated, removed, skipped."""
    r = docbot("index")
    assert r.code == 0, r.err
    (line,) = r.out.splitlines()
    m = SUMMARY.match(line)
    assert m, line
    verb, added, updated, removed, skipped, unchanged, passages, embedded = m.groups()
    assert (verb, added, updated, removed, skipped, unchanged) == ("Index updated", "5", "0", "0", "0", "0")
    assert int(passages) == int(embedded) == fake_embedder.embedded > 0


def test_index_again_is_up_to_date(docbot, fake_embedder):
    """A second `docbot index` with nothing changed says so and embeds nothing."""
    docbot("index")
    calls = fake_embedder.calls
    r = docbot("index")
    assert r.code == 0
    verb, *counts = SUMMARY.match(r.out.strip()).groups()
    assert verb == "Index up to date"
    assert counts[:5] == ["0", "0", "0", "0", "5"] and counts[6] == "0"
    assert fake_embedder.calls == calls


def test_index_reports_changes_and_skipped_files(docbot, docs_copy, monkeypatch):
    """Updated, removed and skipped documents are counted, and each skipped file is named with its reason."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(docs_copy))
    docbot("index")
    (docs_copy / "huang-accord-trump-h20.txt").unlink()
    with open(docs_copy / "h20-terres-rares-commande-tsmc.txt", "a", encoding="utf-8") as f:
        f.write("\nUne phrase de plus.\n")
    (docs_copy / "vide.txt").write_text("")
    r = docbot("index")
    assert r.code == 0
    verb, added, updated, removed, skipped, unchanged, *_ = SUMMARY.match(r.out.strip()).groups()
    assert (added, updated, removed, skipped, unchanged) == ("0", "1", "1", "1", "3")
    assert "skipped vide.txt: empty" in r.err_lines


def test_index_with_another_model_says_it_rebuilds_everything(docbot, monkeypatch):
    """Changing the embedding model rebuilds everything, and `docbot index` says why."""
    docbot("index")
    monkeypatch.setenv("DOCBOT_EMBEDDING_MODEL", "another-model")
    r = docbot("index")
    assert r.code == 0
    assert any(line.startswith("Full rebuild: ") and "another-model" in line for line in r.err_lines)
    assert SUMMARY.match(r.out.strip()).group(2) == "5"


def test_index_force(docbot):
    """`docbot index --force` re-embeds every passage."""
    docbot("index")
    m = SUMMARY.match(docbot("index", "--force").out.strip())
    assert m.group(1) == "Index updated" and m.group(7) == m.group(8)


def test_index_of_a_missing_folder(docbot, tmp_path, monkeypatch):
    """A documents folder that does not exist: one line naming it, exit 1."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(tmp_path / "nowhere"))
    assert_one_line_error(docbot("index"), 1, "documents folder not found", "nowhere")


# docbot ask

def test_ask_json_answers_stdin_in_order(docbot, indexed):
    """`ask --json` answers each stdin line in order, one JSON object per line."""
    r = docbot("ask", "--json", input="\n".join(QUESTIONS) + "\n")
    assert r.code == 0, r.err
    objects = [json.loads(line) for line in r.out.splitlines()]
    assert [o["question"] for o in objects] == QUESTIONS
    for o in objects:
        assert {"question", "answered", "answer", "citations"} <= set(o)
        assert isinstance(o["answered"], bool) and isinstance(o["answer"], str) and o["answer"]
        assert len(o["citations"]) == 3
        for c in o["citations"]:
            assert {"document", "title", "location", "text", "score"} <= set(c)
            assert (DOCUMENTS / c["document"]).is_file()
            assert re.match(r"^([^,]+, )?lines? \d+(–\d+)?$", c["location"])
            assert isinstance(c["score"], float)


def test_ask_json_markers_point_at_citations(docbot, indexed):
    """In the JSON answer, each [n] marker is the number of one of the citations."""
    r = docbot("ask", "--json", QUESTIONS[0])
    o = json.loads(r.out)
    assert o["answered"]
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", o["answer"])}
    assert numbers and numbers <= {c["n"] for c in o["citations"]}


def test_ask_json_unanswered_still_shows_passages(docbot, indexed, monkeypatch):
    """A question the documents don't cover says so, and still shows the closest passages."""
    monkeypatch.setenv("DOCBOT_MIN_EVIDENCE", "20")  # nothing is covered: independent of the fake model
    o = json.loads(docbot("ask", "--json", QUESTIONS[3]).out)
    assert o["answered"] is False
    assert "[1]" not in o["answer"] and o["answer"]
    assert len(o["citations"]) == 3


def test_ask_json_gives_every_line_one_object_blank_ones_too(docbot, indexed):
    """A blank line gets an error object in its place, so the n-th output answers the n-th input; exit 2."""
    r = docbot("ask", "--json", input=f"{QUESTIONS[0]}\n\n   \n{QUESTIONS[1]}\n")
    assert r.code == 2
    first, blank, spaces, last = (json.loads(line) for line in r.out.splitlines())
    assert first["question"] == QUESTIONS[0] and last["question"] == QUESTIONS[1]
    assert blank == {"question": "", "error": "The question is empty."}
    assert spaces == {"question": "   ", "error": "The question is empty."}


@pytest.mark.parametrize(("line", "question"), [
    ('{"question": "Où a-t-il dîné avec Donald Trump ?", "history": ["Qui est le PDG de Nvidia ?"]}',
     "Où a-t-il dîné avec Donald Trump ?"),
    ('{"question": "Qui est le PDG de Nvidia ?"}', "Qui est le PDG de Nvidia ?"),
    ('{"question": "Qui est le PDG de Nvidia ?", "history": "pas une liste"}',  # not such an object: text
     '{"question": "Qui est le PDG de Nvidia ?", "history": "pas une liste"}'),
    ("{Qui est le PDG de Nvidia ?}", "{Qui est le PDG de Nvidia ?}"),  # not JSON: the question as typed
    ('{"text": "Qui est le PDG de Nvidia ?"}', '{"text": "Qui est le PDG de Nvidia ?"}'),
])
def test_ask_json_line_may_carry_the_conversation(docbot, indexed, line, question):
    """A line that is a JSON object {"question", "history"} is asked as such; anything else is the question."""
    r = docbot("ask", "--json", input=line + "\n")
    assert r.code == 0, r.err
    (o,) = (json.loads(x) for x in r.out.splitlines())
    assert o["question"] == question and o["citations"]


def test_ask_json_passes_the_history_to_the_engine(docbot, indexed, monkeypatch):
    """The earlier questions of a JSON line reach the engine, newest last; a plain line has none."""
    from index import Engine

    seen, real_ask = [], Engine.ask

    def ask(self, question, k=None, history=()):
        seen.append((question, list(history)))
        return real_ask(self, question, k, history)

    monkeypatch.setattr(Engine, "ask", ask)
    line = json.dumps({"question": "Où a-t-il dîné ?", "history": ["Qui est le PDG de Nvidia ?", "Et de TSMC ?"]})
    assert docbot("ask", "--json", input=f"{line}\nQui est le PDG de Nvidia ?\n").code == 0
    assert seen == [("Où a-t-il dîné ?", ["Qui est le PDG de Nvidia ?", "Et de TSMC ?"]),
                    ("Qui est le PDG de Nvidia ?", [])]


def test_ask_json_invalid_line_is_reported_in_place(docbot, indexed):
    """On stdin, an over-long question gets an error object in its place; the others are answered; exit 2."""
    r = docbot("ask", "--json", input=f"{QUESTIONS[1]}\n{'a' * 1001}\n{QUESTIONS[2]}\n")
    assert r.code == 2
    first, error, last = (json.loads(line) for line in r.out.splitlines())
    assert first["question"] == QUESTIONS[1] and last["question"] == QUESTIONS[2]
    assert error == {"question": "a" * 200, "error": "The question is too long (1001 characters; the limit is 1000)."}


def test_ask_top_k(docbot, indexed):
    """`ask --top-k 2` cites two passages."""
    o = json.loads(docbot("ask", "--json", "--top-k", "2", QUESTIONS[1]).out)
    assert len(o["citations"]) == 2


def test_ask_prints_answer_and_sources(docbot, indexed):
    """Plain `ask` prints the answer with [n] markers, then each source with its document and location."""
    r = docbot("ask", QUESTIONS[1])
    assert r.code == 0
    assert "[1]" in r.out
    sources = re.split(r"\n(?=\[\d\] )", r.out)[1:]
    assert len(sources) == 3
    for source in sources:
        assert re.search(r"— [\w./-]+\.txt, .*lines? \d+", " ".join(source.split())), source
    assert all(len(line) <= 80 for line in r.out.splitlines())  # not a terminal: COLUMNS, else 80


@pytest.mark.parametrize(("question", "words"), [
    ("", ["empty"]),
    ("   ", ["empty"]),
    ("\t\n", ["empty"]),
    ("a" * 1001, ["too long", "1001", "1000"]),
])
def test_ask_invalid_question(docbot, indexed, question, words):
    """An empty, blank or over-long question: exit 2, one line on stderr, no traceback, nothing on stdout."""
    r = docbot("ask", question)
    assert_one_line_error(r, 2, *words)
    assert r.out == ""


def test_ask_at_the_limit(docbot, indexed):
    """A question of exactly 1000 characters is answered."""
    r = docbot("ask", "--json", ("Qui est le PDG de Nvidia ? " * 40)[:1000])
    assert r.code == 0 and json.loads(r.out)["citations"]


@pytest.mark.parametrize("args", [("ask", "Qui est le PDG ?"), ("ask", "--json"), ("chat",), ("sources",)])
def test_missing_index_says_to_run_docbot_index(docbot, args):
    """Without an index: exit 1 and one line saying to run `docbot index`."""
    assert_one_line_error(docbot(*args, input="Qui est le PDG ?\n"), 1, "run `docbot index`")


@pytest.mark.parametrize(("name", "value", "commands"), [
    ("DOCBOT_TOP_K", "0", ["ask", "chat"]),
    ("DOCBOT_TOP_K", "11", ["ask"]),
    ("DOCBOT_TOP_K", "trois", ["ask", "run"]),
    ("DOCBOT_LANGUAGE", "klingon", ["index", "run"]),
    ("DOCBOT_PASSAGE_TOKENS", "8", ["index"]),
    ("DOCBOT_MIN_EVIDENCE", "99", ["ask"]),
    ("DOCBOT_MULTILINGUAL", "perhaps", ["ask", "index"]),
    ("DOCBOT_EMBEDDING_BACKEND", "tensorflow", ["ask", "index"]),
    ("DOCBOT_LOG_LEVEL", "loud", ["ask", "index", "sources", "stats", "run"]),
])
def test_invalid_setting(docbot, indexed, monkeypatch, name, value, commands):
    """A bad value of a setting a command reads: exit 2 and one clean line naming the variable."""
    monkeypatch.setenv(name, value)
    for command in commands:
        r = docbot(command, "Qui est le PDG ?") if command == "ask" else docbot(command)
        assert_one_line_error(r, 2, f"invalid setting {name}: ")
        assert "Value error" not in r.err and "type=" not in r.err, r.err


def test_invalid_setting_words(docbot, monkeypatch):
    """The line says what is wrong in words a person reads, not pydantic's."""
    monkeypatch.setenv("DOCBOT_LANGUAGE", "klingon")
    r = docbot("index")
    assert r.err.startswith("docbot: invalid setting DOCBOT_LANGUAGE: unsupported language 'klingon'; choose one of ")
    monkeypatch.setenv("DOCBOT_LOG_LEVEL", "loud")
    assert docbot("sources").err == ("docbot: invalid setting DOCBOT_LOG_LEVEL: unknown log level 'loud'; choose one "
                                     "of DEBUG, INFO, WARNING, ERROR\n")


@pytest.mark.parametrize(("name", "value"), [("DOCBOT_TOP_K", "abc"), ("DOCBOT_LANGUAGE", "klingon"),
                                             ("DOCBOT_MIN_EVIDENCE", "-10"), ("DOCBOT_COOLDOWN_SECONDS", "soon")])
def test_a_bad_setting_a_command_does_not_read_does_not_stop_it(docbot, indexed, monkeypatch, name, value):
    """`sources` and `stats` read neither the search nor the build settings: a bad value there is not theirs."""
    monkeypatch.setenv(name, value)
    assert docbot("sources").code == 0
    assert docbot("stats").code == 0


@pytest.mark.parametrize("level", ["debug", "INFO", "warning", "Error", ""])
def test_log_levels_are_accepted_in_any_case(docbot, indexed, monkeypatch, level):
    """DOCBOT_LOG_LEVEL takes the usual level names, in any case; empty means each command's own."""
    monkeypatch.setenv("DOCBOT_LOG_LEVEL", level)
    assert docbot("sources").code == 0


@pytest.mark.parametrize("args", [("nope",), ("ask", "--top-k", "0", "Qui ?"), ("ask", "--frob", "Qui ?"),
                                  ("index", "--force=yes"), ("stats", "--days", "0"), ("ask", "--json=no")],
                         ids=["command", "option value", "option", "flag given a value", "range", "json=no"])
def test_usage_errors(docbot, indexed, args):
    """A mistyped command or option: exit 2, the usage line of the command and the error, no "unexpected error"."""
    r = docbot(*args)
    assert r.code == 2, r
    assert "unexpected error" not in r.err and "Traceback" not in r.err
    command = args[0] if args[0] != "nope" else ""
    assert r.err.startswith(f"Usage: docbot {command}".rstrip()), r.err
    assert r.err_lines[-1].startswith("Error: ")


def test_version(docbot):
    """`docbot --version` prints the installed version and exits 0."""
    from importlib.metadata import version

    r = docbot("--version")
    assert (r.code, r.out) == (0, f"docbot {version('docbot')}\n")


@pytest.mark.parametrize("command", ["index", "ask", "stats"])
def test_help_shows_flags_as_flags(docbot, command):
    """`--help` lists a flag as `--force`, not `--force <bool>`, and every command takes -v."""
    r = docbot(command, "--help")
    assert r.code == 0
    assert "<bool>" not in r.out and "BOOLEAN" not in r.out
    assert "-v, --verbose" in r.out


def test_unexpected_error_is_one_line(docbot, indexed, monkeypatch):
    """A bug surfaces as one apologetic line and exit 1, not a traceback."""
    from index import Engine

    def boom(self, question, k=None, history=()):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Engine, "ask", boom)
    r = docbot("ask", "Qui ?")
    assert_one_line_error(r, 1, "unexpected error", "disk on fire", "DOCBOT_LOG_LEVEL=DEBUG")


# docbot sources, chat, run, stats

def test_sources_lists_the_documents(docbot, indexed):
    """`docbot sources` lists every indexed document with its title, file and passage count."""
    meta = json.loads((DOCUMENTS / "metadata.json").read_text(encoding="utf-8"))
    r = docbot("sources")
    assert r.code == 0
    header, *lines = r.out.splitlines()
    assert header.startswith("5 documents, ") and "fake-embedder" in header
    assert len(lines) == 5
    for path, m in meta.items():
        line = next(line for line in lines if f": {path}, " in line)
        assert line.startswith(f"- {m['title']}")
        assert re.search(r", \d+ passages$", line)
    assert any("(2025-07)" in line for line in lines)  # the one dated document


MAR_A_LAGO = "nvidia-h20-accord-mar-a-lago.txt"


def test_passages_json_lists_every_passage_as_indexed(docbot, indexed):
    """`docbot passages --json`: one object a line per passage, with its document, section, location and text."""
    r = docbot("passages", "--json")
    assert r.code == 0, r.err
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert len(rows) == sum(int(n) for n in re.findall(r"(\d+) passages", docbot("sources").out)[1:])
    for row in rows:
        assert {"document", "title", "section", "location", "text", "also_in"} <= set(row)
        assert (DOCUMENTS / row["document"]).is_file() and row["text"]
    dinner = next(row for row in rows if "Lors d'un dîner" in row["text"])
    assert dinner["document"] == MAR_A_LAGO and re.search(r"lines? \d+", dinner["location"])


def test_passages_of_one_document_in_reading_order(docbot, indexed):
    """`docbot passages DOCUMENT` lists that document's passages alone, section and lines first."""
    r = docbot("passages", MAR_A_LAGO)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith(f"== {MAR_A_LAGO} — ")
    assert not any(line.startswith("== ") for line in lines[1:])
    starts = [int(m.group(1)) for m in re.finditer(r"^\[(?:.*, )?lines? (\d+)", r.out, re.MULTILINE)]
    assert starts and starts == sorted(starts)
    assert "    Tout commence autour d'une table à Mar-a-Lago" in r.out


def test_passages_shows_the_other_places_of_a_repeated_text(docbot, docs_copy, monkeypatch):
    """A text two documents share is listed under each, with the other place."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(docs_copy))
    text = "Le Zorglub Q7 se règle par le menu Options, onglet Réseau, puis Valider.\n"
    (docs_copy / "a.txt").write_text(text, encoding="utf-8")
    (docs_copy / "b.txt").write_text(text, encoding="utf-8")
    assert docbot("index").code == 0
    (row,) = [json.loads(line) for line in docbot("passages", "--json", "b.txt").out.splitlines()]
    assert (row["document"], row["location"]) == ("b.txt", "line 1")
    assert row["also_in"] == [{"document": "a.txt", "location": "line 1", "link": None}]


@pytest.mark.parametrize(("name", "closest"), [("mar-a-lago.txt", MAR_A_LAGO), ("absent.pdf", None)])
def test_passages_of_an_unknown_document(docbot, indexed, name, closest):
    """A document that is not indexed: a one-line error naming the closest indexed ones, exit code 2."""
    r = docbot("passages", name)
    assert_one_line_error(r, 2)
    assert f"no indexed document '{name}'" in r.err
    assert (closest in r.err) if closest else "closest" not in r.err


def test_passages_without_an_index(docbot):
    """Without an index, `docbot passages` says to build one."""
    r = docbot("passages")
    assert_one_line_error(r, 1)
    assert "docbot index" in r.err


def test_chat_answers_until_end_of_input_and_logs(docbot, indexed):
    """`docbot chat` answers each stdin line, ends at end of input, and `docbot stats` then lists them."""
    r = docbot("chat", input=f"{QUESTIONS[1]}\n{QUESTIONS[0]}\n")
    assert r.code == 0, r.err
    assert r.out.count("[1] ") >= 2
    stats = docbot("stats")
    assert stats.code == 0
    assert QUESTIONS[1] in stats.out and QUESTIONS[0] in stats.out


def test_stats_without_questions(docbot):
    """`docbot stats` before any question says there is nothing yet."""
    r = docbot("stats")
    assert r.code == 0 and r.out.startswith("No questions logged yet")


def test_run_without_token_builds_and_chats(docbot):
    """`docbot run` without DISCORD_TOKEN builds the index, says how to connect, and chats in the terminal."""
    r = docbot("run", input=f"{QUESTIONS[1]}\n")
    assert r.code == 0, r.err
    assert any(line.startswith("Index updated: 5 added") for line in r.err_lines)
    assert "DISCORD_TOKEN" in r.err
    assert "[1] " in r.out


def test_run_serves_the_existing_index_when_the_documents_are_gone(docbot, indexed, tmp_path, monkeypatch):
    """`docbot run` with the documents folder unmounted still answers from the index it has."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(tmp_path / "unmounted"))
    r = docbot("run", input=f"{QUESTIONS[1]}\n")
    assert r.code == 0, r.err
    assert any("serving the existing one" in line for line in r.err_lines)
    assert "[1] " in r.out


def test_run_without_documents_or_index_fails_in_one_line(docbot, tmp_path, monkeypatch):
    """With neither documents nor an index, `docbot run` says so in one line and exits 1."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(tmp_path / "unmounted"))
    assert_one_line_error(docbot("run", input=""), 1, "documents folder not found")


# The real process

DRIVER = """
import importlib.util, sys
sys.path.insert(0, {repo!r})
spec = importlib.util.spec_from_file_location("_docbot_tests_conftest", {conftest!r})
conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conftest)
import bot.service
bot.service.make_embedder = lambda settings: conftest.FakeEmbedder(settings.embedding_model)
from bot.cli import main
sys.argv = ["docbot", *sys.argv[1:]]
main()
""".format(repo=str(REPO), conftest=str(REPO / "tests" / "conftest.py"))


def run_process(*args: str, input: str = "") -> Result:
    """`docbot <args>` in a child process, with the fake embedder."""
    env = {**os.environ, "DOCBOT_EMBEDDING_MODEL": "fake-embedder"}
    p = subprocess.run([sys.executable, "-c", DRIVER, *args], input=input, capture_output=True, text=True,
                       env=env, timeout=120)
    return Result(p.returncode, p.stdout, p.stderr)


def test_process_index_then_ask(tmp_path):
    """In a real process: `docbot index` writes the summary alone (no debug log lines), then `ask` answers."""
    r = run_process("index")
    assert r.code == 0, r.err
    assert SUMMARY.match(r.out.strip())
    assert not [line for line in r.err_lines if " DEBUG " in line], r.err
    r = run_process("ask", "--json", input=f"{QUESTIONS[1]}\n")
    assert r.code == 0 and json.loads(r.out)["question"] == QUESTIONS[1]


def test_process_invalid_question():
    """In a real process: an empty question is exit 2 and exactly one line on stderr."""
    r = run_process("ask", "")
    assert (r.code, r.out, r.err) == (2, "", "docbot: The question is empty.\n")


# What the terminal shows (bot/terminal.py)

def make_answer(question: str, answered: bool, citations: int = 2, text: str = "Une phrase.",
                best: float = 0.5) -> Answer:
    cites = [Citation(n, Passage(document=f"doc{n}.txt", title=f"Titre {n}", text=f"{text} Suite {n}. " * 30,
                                 line_start=2 * n,
                                 line_end=2 * n + 3, date="2025-07" if n == 1 else None), best if n == 1 else 0.5 / n,
                      text)
             for n in range(1, citations + 1)]
    answered = answered and bool(cites)
    return Answer(question, "answered" if answered else "not_covered", [(text, 1)] if answered else [], cites)


def test_terminal_answer_then_sources():
    """An answer is shown first, then "Sources:" and each citation with title, date, file, location, relevance."""
    out = render_answer(make_answer("Qui est le PDG ?", True, best=2.4)).splitlines()
    assert out[0] == "Une phrase. [1]"
    assert out[2] == "Sources:"
    assert "[1] Titre 1 (2025-07) — doc1.txt, lines 2–5 (strong match)" in out
    assert "[2] Titre 2 — doc2.txt, lines 4–7 (partial match)" in out
    assert not any("score" in line for line in out)


def test_terminal_scores_on_request():
    """With scores asked for (`--verbose`), each citation's number follows its relevance in words."""
    out = render_answer(make_answer("Qui est le PDG ?", True), scores=True).splitlines()
    assert "[2] Titre 2 — doc2.txt, lines 4–7 (partial match, score 0.25)" in out


def test_terminal_unanswered_citations_are_weak_matches():
    """The closest passages of a question the documents don't cover are called weak matches, whatever their score."""
    out = render_answer(make_answer("How do I bake bread?", False, best=2.4))
    assert out.count("(weak match)") == 2 and "strong" not in out


def test_terminal_excerpts_are_indented_and_cut():
    """Each excerpt is indented under its citation, at most six lines of the width, ending in … when cut."""
    out = render_answer(make_answer("Qui est le PDG ?", True, citations=1), width=60).splitlines()
    excerpt = out[out.index(next(line for line in out if line.endswith(")"))) + 1:]
    assert 1 <= len(excerpt) <= 6
    assert all(line.startswith("    ") and len(line) <= 60 for line in excerpt)
    assert excerpt[-1].endswith("…")


@pytest.mark.parametrize(("question", "message"), [
    ("Comment faire du pain au levain ?", "Les documents ne traitent pas de cette question."),
    ("How do I bake sourdough bread?", "The documents don't cover this question."),
])
def test_terminal_not_covered_in_the_question_language(question, message):
    """An unanswered question says so in the question's language, and still lists the passages."""
    answer = make_answer(question, False)
    out = render_answer(answer)
    assert out.startswith(message) and "[1] Titre 1" in out
    data = answer_json(answer)
    assert data["answered"] is False and data["answer"].startswith(message)
    assert len(data["citations"]) == 2


def test_terminal_no_passage():
    """With nothing found at all, the terminal says no passage was found."""
    assert "No passage found." in render_answer(make_answer("How?", False, citations=0))


# The question log, folders that can't be used

def logged(source: str | None = None) -> list[tuple[str, str]]:
    from bot.database import QuestionLog
    from bot.settings import Settings

    with QuestionLog(Settings().database_url.get_secret_value()) as qlog, qlog.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT question, source FROM questions ORDER BY id").all()
    return [tuple(r) for r in rows if source is None or r[1] == source]


def test_ask_logs_its_questions_unless_no_log(docbot, indexed):
    """`docbot ask` logs each question (source "cli") for `docbot stats`; with --no-log, none."""
    assert docbot("ask", QUESTIONS[1]).code == 0
    assert docbot("ask", "--json", input=f"{QUESTIONS[0]}\n").code == 0
    assert logged() == [(QUESTIONS[1], "cli"), (QUESTIONS[0], "cli")]
    assert docbot("ask", "--no-log", QUESTIONS[2]).code == 0
    assert docbot("ask", "--json", "--no-log", input=f"{QUESTIONS[3]}\n").code == 0
    assert len(logged()) == 2


def test_piped_questions_are_echoed_before_their_answers(docbot, indexed):
    """Questions piped into the chat are shown before their answers, so a transcript reads like a session."""
    r = docbot("chat", input=f"{QUESTIONS[1]}\n\n{QUESTIONS[2]}\n")
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0] == f"? {QUESTIONS[1]}"
    assert f"? {QUESTIONS[2]}" in lines and lines.index(f"? {QUESTIONS[2]}") > 3


@pytest.mark.parametrize("contents", [[], ["notes.bin", "vide.txt"]], ids=["empty", "nothing readable"])
def test_index_of_a_folder_without_documents(docbot, tmp_path, monkeypatch, contents):
    """A documents folder with nothing to index: one line naming it, exit 1, and no index made."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in contents:
        (docs / name).write_bytes(b"")
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(docs))
    assert_one_line_error(docbot("index"), 1, f"the documents folder {docs} holds no document")
    assert_one_line_error(docbot("ask", "Qui ?"), 1, "run `docbot index`")


def test_ask_on_an_empty_index_says_so_once(docbot, tmp_path, fake_embedder):
    """An index of no passages (an older docbot made them): one line saying so, not "not covered" and "no passage"."""
    from tests.index.test_search import empty_index

    empty_index(tmp_path / "index", fake_embedder)
    for args, stdin in [(("ask", "Qui ?"), ""), (("ask", "--json"), "Qui ?\nQuoi ?\n"), (("chat",), "Qui ?\n")]:
        r = docbot(*args, input=stdin)
        assert_one_line_error(r, 1, "holds no passages", "run `docbot index`")
        assert r.out == ""
