"""Exceptions raised by the index library; front ends map them to short messages."""


class DocbotError(Exception):
    """Base class for errors a user can act on; the message is meant to be shown as is."""


class IndexMissingError(DocbotError):
    """No index has been built yet."""


class IndexCorruptError(DocbotError):
    """The stored index is unreadable, incomplete or does not match its checksums."""


class IndexIncompatibleError(DocbotError):
    """The stored index was built by another model, format version or settings."""


class IndexLockedError(DocbotError):
    """Another process is rebuilding the index."""


class DocumentsDirError(DocbotError):
    """The documents folder is missing or unreadable."""


class EmbeddingModelError(DocbotError):
    """The embedding model cannot be loaded."""


class InvalidQuestionError(DocbotError):
    """The question is empty, blank or too long."""


class BusyError(DocbotError):
    """Too many questions are already waiting for an answer."""
