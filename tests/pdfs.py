"""PDF files written by hand for tests: a list of object bodies laid out with their cross-reference table."""

from __future__ import annotations


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF 1.4 file of `objects` (numbered from 1, the first the catalog), with its xref table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
