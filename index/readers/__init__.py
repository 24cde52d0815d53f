"""One reader per file format: each turns a file's content into a title and a list of blocks.

The readers share the types of `base`; `index/documents.py` picks a reader by the file's suffix.
"""

from .base import KINDS, Block, ReadError, Reading, Sections, squash

__all__ = ["KINDS", "Block", "ReadError", "Reading", "Sections", "squash"]
