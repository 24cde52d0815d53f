"""Exceptions raised by the index library: each says what went wrong and carries the data to act on.

The message (`str`) describes the problem for a log; it never says what to do about it, because
that depends on the front end (a command to run, a setting to change): front ends word it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal


class DocbotError(Exception):
    """Base class for errors a user or an operator can act on."""


class IndexMissingError(DocbotError):
    """No index has been built yet in `index_dir`."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        super().__init__(f"no index found in {self.index_dir}")


class IndexCorruptError(DocbotError):
    """The stored index is unreadable, incomplete or does not match its checksums.

    `file` names the index file at fault when one is (relative to the index version's folder).
    """

    def __init__(self, problem: str, file: str | None = None) -> None:
        self.problem = problem
        self.file = file
        super().__init__(problem)


class IndexIncompatibleError(DocbotError):
    """The stored index was built by another model or format version than the one asked for."""

    def __init__(self, what: Literal["model", "format"], built: str | int, configured: str | int) -> None:
        self.what = what
        self.built = built
        self.configured = configured
        if what == "model":
            message = f"the index was built with model {built!r} but {configured!r} is configured"
        else:
            message = f"the index was written by another docbot version (format {built})"
        super().__init__(message)


class IndexLockedError(DocbotError):
    """Another process (or thread) holds the build lock of `index_dir`."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        super().__init__(f"another build is updating the index in {self.index_dir}")


DocumentsProblem = Literal[
    "missing",  # no such folder (or not a folder)
    "empty",  # the folder holds no document that could be read (`skipped` files were set aside)
]


class DocumentsDirError(DocbotError):
    """The documents folder `path` can't be indexed: missing, or holding no readable document."""

    def __init__(self, path: Path, problem: DocumentsProblem = "missing", *, skipped: int = 0) -> None:
        self.path = Path(path)
        self.problem = problem
        self.skipped = skipped
        if problem == "empty":
            extra = f" ({skipped} files skipped)" if skipped else ""
            message = f"the documents folder {self.path} holds no document that can be indexed{extra}"
        else:
            message = f"documents folder not found: {self.path}"
        super().__init__(message)


class IndexNotWritableError(DocbotError):
    """The index folder `index_dir` can't be written (`reason`: the system's words), so nothing can be built there."""

    def __init__(self, index_dir: Path, reason: str) -> None:
        self.index_dir = Path(index_dir)
        self.reason = reason
        super().__init__(f"cannot write to the index folder {self.index_dir} ({reason})")


class IndexEmptyError(DocbotError):
    """The index in `index_dir` holds no passages: there is nothing to answer from."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        super().__init__(f"the index in {self.index_dir} holds no passages")


EmbeddingProblem = Literal[
    "package_missing",  # `package` is not installed
    "unloadable",  # the model itself could not be loaded (`detail` says why)
    "not_exported",  # the ONNX backend has no export of the model yet (in `folder`)
    "export_unreadable",  # the ONNX export in `folder` cannot be opened
    "onnx_unsupported",  # the model has parts the ONNX backend cannot run (`detail`)
    "export_disagrees",  # a fresh ONNX export gives other vectors than the model (`detail`)
    "export_unwritable",  # the ONNX export can't be written into `folder` (`detail`: the system's words)
]


class EmbeddingModelError(DocbotError):
    """The embedding model `model` cannot be used; `problem` says why, the other fields what with."""

    def __init__(self, model: str, problem: EmbeddingProblem, *, detail: str = "", package: str | None = None,
                 folder: Path | None = None) -> None:
        self.model = model
        self.problem = problem
        self.detail = detail
        self.package = package
        self.folder = Path(folder) if folder is not None else None
        described = {
            "package_missing": f"the package {package} is not installed",
            "unloadable": f"cannot load embedding model {model!r}",
            "not_exported": f"no ONNX export of {model!r} in {folder}",
            "export_unreadable": f"cannot load the ONNX export of {model!r} in {folder}",
            "onnx_unsupported": f"the ONNX backend cannot run {model!r}",
            "export_disagrees": f"the ONNX export of {model!r} disagrees with the model",
            "export_unwritable": f"cannot write the ONNX export of {model!r} into {folder}",
        }[problem]
        super().__init__(f"{described} ({detail})" if detail else described)


QuestionProblem = Literal["empty", "too_long", "not_text"]


class InvalidQuestionError(DocbotError):
    """The question cannot be asked: empty once cleaned, too long (`length` > `limit`), or not text."""

    def __init__(self, problem: QuestionProblem, *, length: int | None = None, limit: int | None = None) -> None:
        self.problem = problem
        self.length = length
        self.limit = limit
        message = {
            "empty": "the question is empty",
            "too_long": f"the question is too long ({length} characters; the limit is {limit})",
            "not_text": "the question must be text",
        }[problem]
        super().__init__(message)


class UnknownDocumentError(DocbotError):
    """`document` is not in the index; `known` lists the documents that are."""

    def __init__(self, document: str, known: list[str]) -> None:
        self.document = document
        self.known = known
        super().__init__(f"no indexed document {document!r}")
