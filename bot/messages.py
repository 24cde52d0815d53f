"""Errors in words: the one place where the library's errors become what people read.

Two audiences: the operator at the CLI (or reading the bot's log), who is told the command to run
or the setting to change; and the person who asked on Discord, who is told what they can do there.
A refused question gets the same words everywhere, in the asker's language.
"""

from __future__ import annotations

from index import (
    DocbotError,
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

from .database import DatabaseReadOnlyError
from .i18n import t
from .service import BusyError, ShuttingDownError

_TORCH = "set DOCBOT_EMBEDDING_BACKEND=torch"


def question_refusal(error: InvalidQuestionError, lang: str) -> str:
    """Why a question was refused, in `lang`."""
    if error.problem == "too_long":
        return t("question_too_long", lang, length=error.length, limit=error.limit)
    return t("question_not_text" if error.problem == "not_text" else "question_empty", lang)


def for_operator(error: DocbotError | BusyError) -> str:
    """One line for whoever runs docbot (CLI, log): what went wrong and the command or setting that fixes it."""
    if isinstance(error, InvalidQuestionError):
        return question_refusal(error, "en")
    if isinstance(error, ShuttingDownError):
        return "docbot is stopping"
    if isinstance(error, BusyError):
        return t("busy", "en")
    if isinstance(error, IndexMissingError):
        return f"{error}: run `docbot index` to build it"
    if isinstance(error, (IndexCorruptError, IndexIncompatibleError)):
        return f"{error}; run `docbot index` to rebuild it"
    if isinstance(error, IndexLockedError):
        return "another `docbot index` is rebuilding this index; try again when it has finished"
    if isinstance(error, IndexEmptyError):
        return f"{error}: put documents in DOCBOT_DOCUMENTS_DIR and run `docbot index`"
    if isinstance(error, IndexNotWritableError):
        return (f"{error}: docbot writes the index there; make the folder writable, or set DOCBOT_INDEX_DIR "
                "to one you can write")
    if isinstance(error, DocumentsDirError):
        if error.problem == "empty":
            return (f"{error}: put text, Markdown, HTML or PDF files there (or set DOCBOT_DOCUMENTS_DIR); "
                    "the index was left as it was")
        return f"{error}; create it, or set DOCBOT_DOCUMENTS_DIR"
    if isinstance(error, DatabaseReadOnlyError):
        return (f"{error}: docbot logs questions in {error.folder}; make it writable, or set "
                "DOCBOT_DATABASE_URL")
    if isinstance(error, EmbeddingModelError):
        return _model_advice(error)
    return str(error)


def _model_advice(error: EmbeddingModelError) -> str:
    if error.problem == "package_missing":
        advice = f"run `pip install {error.package}` (or `make install`)"
        return f"{error}: {advice}" + (f", or {_TORCH}" if error.package == "onnxruntime" else "")
    advice = {
        "unloadable": "check DOCBOT_EMBEDDING_MODEL, and that the hub is reachable for a model that is not on disk",
        "not_exported": f"run `docbot index` to export it, or {_TORCH}",
        "export_unreadable": f"delete that folder to export it again, or {_TORCH}",
        "export_unwritable": "`docbot index` writes the export there; make the index folder writable, "
                             "or set DOCBOT_INDEX_DIR",
    }.get(error.problem, _TORCH)
    return f"{error}; {advice}"


def for_user(error: DocbotError | BusyError, lang: str) -> str:
    """A short message for the person who asked on Discord, in `lang` (no commands they cannot run)."""
    if isinstance(error, InvalidQuestionError):
        return question_refusal(error, lang)
    if isinstance(error, ShuttingDownError):
        return t("restarting", lang)
    if isinstance(error, BusyError):
        return t("busy", lang)
    if isinstance(error, IndexLockedError):
        return t("reindex_running", lang)
    if isinstance(error, IndexMissingError):
        return t("index_missing", lang)
    if isinstance(error, IndexEmptyError):
        return t("index_empty", lang)
    if isinstance(error, (IndexCorruptError, IndexIncompatibleError)):
        return t("index_broken", lang)
    if isinstance(error, (DocumentsDirError, IndexNotWritableError)):
        return t("documents_missing", lang)
    if isinstance(error, EmbeddingModelError):
        return t("model_error", lang)
    return t("unexpected", lang)


def needs_operator(error: BaseException) -> bool:
    """Whether an error is the operator's to fix (so it belongs in the log), not the asker's."""
    return isinstance(error, DocbotError) and not isinstance(error, (InvalidQuestionError, IndexLockedError))
