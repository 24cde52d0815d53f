"""EPUB books: each chapter (an XHTML file of the spine) read as HTML, under its title from the table of contents.

An EPUB is a zip of XHTML files in reading order (the package's spine), with a table of contents (EPUB 3's
nav document or EPUB 2's NCX). zipfile and lxml read the package; each chapter goes through the HTML
reader, which keeps its headings, lists, tables and code. A chapter whose first heading is not its title
in the table of contents is put under that title, so every chapter is a section. Lines of the chapter
files mean nothing to a reader of the book, so blocks carry their chapter (the section), not lines.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import replace
from urllib.parse import unquote

from .base import Block, ReadError, Reading, check_zip, squash

log = logging.getLogger(__name__)

_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
       "dc": "http://purl.org/dc/elements/1.1/", "ncx": "http://www.daisy.org/z3986/2005/ncx/",
       "xhtml": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
_CHAPTER_TYPES = ("application/xhtml+xml", "text/html", "application/x-dtbook+xml")
MAX_CHAPTER_BYTES = 32 * 1024 * 1024


def read_epub(raw: bytes) -> Reading:
    """The blocks of an EPUB book, chapter by chapter, its title and language."""
    import lxml.etree

    from .html import read_html

    archive = check_zip(raw, "EPUB")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True)

    def xml(name: str):
        try:
            data = archive.read(name)
        except KeyError:
            return None
        try:
            return lxml.etree.fromstring(data, parser=parser)
        except lxml.etree.XMLSyntaxError:
            return None

    encryption = xml("META-INF/encryption.xml")
    if encryption is not None and any(el.tag.endswith("EncryptedData") for el in encryption.iter()):
        # Fonts are often obfuscated this way too; text only matters when a chapter is among the encrypted.
        refs = {ref.get("URI") for ref in encryption.iter() if ref.get("URI")}
        if any(ref.endswith((".xhtml", ".html", ".htm", ".xml")) for ref in refs):
            raise ReadError("EPUB is encrypted (DRM): its text cannot be read")
    container = xml("META-INF/container.xml")
    paths = container.xpath("//c:rootfile/@full-path", namespaces=_NS) if container is not None else []
    opf_path = paths[0] if paths else None
    package = xml(opf_path) if opf_path else None
    if package is None:
        raise ReadError("not an EPUB book (no package document)")
    base = posixpath.dirname(opf_path)
    title = squash(" ".join(package.xpath("//dc:title[1]//text()", namespaces=_NS))) or None
    language = squash(" ".join(package.xpath("//dc:language[1]//text()", namespaces=_NS)))[:2].lower() or None
    manifest = {}
    nav = ncx = None
    for item in package.xpath("//opf:manifest/opf:item", namespaces=_NS):
        href = posixpath.normpath(posixpath.join(base, unquote(item.get("href") or "")))
        manifest[item.get("id")] = (href, item.get("media-type") or "")
        if "nav" in (item.get("properties") or "").split():
            nav = href
        if item.get("media-type") == "application/x-dtbncx+xml":
            ncx = href
    titles = _toc_titles(xml, nav, ncx)
    blocks: list[Block] = []
    for ref in package.xpath("//opf:spine/opf:itemref", namespaces=_NS):
        href, media = manifest.get(ref.get("idref"), ("", ""))
        if not href or media not in _CHAPTER_TYPES or href == nav:
            continue  # the table of contents is navigation, not a chapter
        try:
            info = archive.getinfo(href)
            if info.file_size > MAX_CHAPTER_BYTES:
                log.warning("EPUB chapter %s skipped: %d MB", href, info.file_size // (1024 * 1024))
                continue
            data = archive.read(info)
        except KeyError:
            log.debug("EPUB spine names a missing file: %s", href)
            continue
        try:
            chapter = read_html(data.decode("utf-8", "replace"))
        except ReadError as exc:
            log.debug("EPUB chapter %s not read: %s", href, exc)
            continue
        chapter_title = titles.get(href)
        if chapter_title is None and blocks and not any(b.kind == "heading" for b in chapter.blocks):
            # A chapter split over several files: a part with no title nor heading goes on the part before.
            blocks.extend(replace(b, section=blocks[-1].section, line_start=0, line_end=0, anchor=None)
                          for b in chapter.blocks)
            continue
        blocks.extend(_chapter(chapter.blocks, chapter_title or chapter.title))
    return Reading(title=title, blocks=blocks, language=language)


def _chapter(blocks: list[Block], title: str | None) -> list[Block]:
    """A chapter's blocks under its title, without the chapter file's lines and anchors."""
    blocks = [replace(b, line_start=0, line_end=0, anchor=None) for b in blocks]
    title = squash(title or "")
    first = next((b for b in blocks if b.kind == "heading"), None)
    if not title or (first is not None and _same(first.text, title)):
        return blocks
    own = [Block(title, "heading", (title,), 1)]
    return own + [replace(b, section=(title, *b.section)) for b in blocks]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _toc_titles(xml, nav: str | None, ncx: str | None) -> dict[str, str]:
    """The title of each chapter file in the table of contents (its first entry pointing to the file)."""
    out: dict[str, str] = {}
    root = xml(nav) if nav else None
    if root is not None:
        where = posixpath.dirname(nav)
        for a in root.xpath("//xhtml:nav[@epub:type='toc' or not(@epub:type)]//xhtml:a[@href]", namespaces=_NS):
            href = posixpath.normpath(posixpath.join(where, unquote(a.get("href").split("#")[0])))
            out.setdefault(href, squash("".join(a.itertext())))
    root = xml(ncx) if ncx and not out else None
    if root is not None:
        where = posixpath.dirname(ncx)
        for point in root.xpath("//ncx:navPoint", namespaces=_NS):
            src = point.xpath("./ncx:content/@src", namespaces=_NS)
            label = point.xpath("./ncx:navLabel/ncx:text//text()", namespaces=_NS)
            if src and label:
                href = posixpath.normpath(posixpath.join(where, unquote(src[0].split("#")[0])))
                out.setdefault(href, squash(" ".join(label)))
    return {k: v for k, v in out.items() if v}
