"""Sources of documents: websites and git repositories fetched into documents/<name>/ (`docbot sources`).

Fetching is a front end's job: the index reads files only. A source's folder is replaced whole at the end
of a sync, so a failed or interrupted one leaves the documents (and so the index) as they were.
"""

from .errors import SourceError, UnknownSourceError
from .model import Source
from .store import SourceStore, open_store
from .sync import Outcome, Places, add, fetch, find, remove, source_names, sync, sync_configured
from .web import Fetched, Limits

__all__ = ["Fetched", "Limits", "Outcome", "Places", "Source", "SourceError", "SourceStore", "UnknownSourceError",
           "add", "fetch", "find", "open_store", "remove", "source_names", "sync", "sync_configured"]
