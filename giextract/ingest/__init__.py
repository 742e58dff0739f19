"""Ingest: bytes → decoded text → normalized, cleaned Document with a map to original offsets."""
from giextract.ingest.cleanup import clean
from giextract.ingest.decode import Decoded, InputError, decode_bytes
from giextract.ingest.normalize import Document, normalize

__all__ = ["Decoded", "Document", "InputError", "clean", "decode_bytes", "normalize"]
