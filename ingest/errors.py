"""Ingest's error hierarchy: each says what was expected; friendly wording lives in the CLI and app."""


class IngestError(Exception):
    """Base class for every ingest failure."""


class UnsupportedFormat(IngestError):
    """The file type has no loader."""


class UnreadableDocument(IngestError):
    """The file could not be read as its format (empty, corrupt, encrypted, binary)."""


class NoClausesFound(IngestError):
    """The text has no numbering the parser recognises."""


class UnknownTrust(IngestError):
    """A trust id that is not in the index."""


class IndexMismatch(IngestError):
    """The index was built with another embedding model."""
