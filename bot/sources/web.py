"""Fetch a documentation website: its sitemap's pages, or the pages its start page leads to, within its path.

Polite and bounded: robots.txt obeyed, a few requests at a time with a delay, conditional requests
(ETag, Last-Modified) so an unchanged page costs a 304, limits on pages and bytes, redirects followed
within the site and loops broken. HTML is kept as fetched: the index's HTML reader tells content from
navigation.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import posixpath
import re
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from index import SUPPORTED_SUFFIXES

from .errors import SourceError
from .layout import Staging

log = logging.getLogger(__name__)

AGENT = "docbot"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_REDIRECTS = 10
MAX_SITEMAPS = 20  # of a sitemap index
MAX_CRAWL_DELAY = 30.0  # seconds: robots.txt's Crawl-delay obeyed up to this
_UNSAFE = re.compile(r'[\x00-\x1f<>:"\\|?*]')


@dataclass(frozen=True)
class Limits:
    """How much a fetch may take, and how fast."""

    max_pages: int = 1000
    max_page_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    timeout: float = 30.0  # seconds per request
    concurrency: int = 4
    delay: float = 0.25  # seconds between two requests of one worker


@dataclass
class Fetched:
    """What a fetch did (the files are relative to the source's folder)."""

    changed: list[str] = field(default_factory=list)  # new or changed files
    unchanged: list[str] = field(default_factory=list)  # kept from the previous sync (a 304, the same commit)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (URL or file, why)
    notes: list[str] = field(default_factory=list)  # limits reached
    requests: int = 0


class _Skip(Exception):
    """A page that is not kept, and why."""


@dataclass
class _Page:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes = b""


class Site:
    """The URLs of a site under a start URL, and how each becomes a file."""

    def __init__(self, start: str) -> None:
        start = urldefrag(start)[0]
        parts = urlsplit(start)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(None, f"not a website URL: {start!r}")
        self.start = start if parts.path else start + "/"
        self.origin = f"{parts.scheme}://{parts.netloc.lower()}"
        path = parts.path or "/"
        last = path.rsplit("/", 1)[1]
        # …/docs/index.html: its folder; …/docs: a folder too (a page name has a suffix), which it redirects to.
        self.prefix = path if path.endswith("/") else path + "/" if "." not in last else path[:-len(last)]
        self.files: dict[str, str] = {}  # file -> URL

    def normal(self, link: str, base: str) -> str | None:
        """The absolute URL of a link if it is a page of the site (no fragment; no query, which repeats pages)."""
        url = urldefrag(urljoin(base, link.strip()))[0]
        parts = urlsplit(url)
        if parts.query or f"{parts.scheme}://{parts.netloc.lower()}" != self.origin:
            return None
        path = posixpath.normpath(parts.path or "/") + ("/" if parts.path.endswith("/") and parts.path != "/" else "")
        path = "/" if path in (".", "//") else path
        if not (path + ("" if path.endswith("/") else "/")).startswith(self.prefix) and path != self.prefix:
            return None
        return self.origin + path

    def file_for(self, url: str, html: bool) -> str:
        """The file a page is kept in, relative to the source's folder: its path below the start URL's."""
        path = unquote(urlsplit(url).path)[len(self.prefix):]
        words = [_UNSAFE.sub("_", w)[:150] for w in path.split("/") if w not in ("", ".", "..")]
        if not words or path.endswith("/"):
            words.append("index.html")
        stem, dot, suffix = words[-1].rpartition(".")
        if html and (not dot or f".{suffix.lower()}" not in (".html", ".htm")):
            words[-1] += ".html"
        rel = "/".join(words)
        if self.files.get(rel, url) != url:  # two URLs, one file name (…/a and …/a.html)
            rel = f"{rel.rsplit('.', 1)[0]}-{len(self.files)}.html"
        self.files[rel] = url
        return rel


class Crawler:
    """One fetch of a site into a staging folder."""

    def __init__(self, site: Site, staging: Staging, limits: Limits, client) -> None:
        self.site = site
        self.staging = staging
        self.limits = limits
        self.client = client
        self.report = Fetched()
        self.previous = staging.previous_state().get("pages", {})
        self.pages: dict[str, dict] = {}  # URL -> {file, etag, modified}: the next sync's state
        self.seen: set[str] = set()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.robots = RobotFileParser()
        self.delay = limits.delay
        self.follow = True
        self.stopped: str | None = None
        self.full = False  # the total limit was reached: the pages still queued are left
        self.failure: Exception | None = None  # what stopped a worker, raised once they are done

    async def run(self) -> Fetched:
        """Fetch the start page (failing loudly), then the rest (skipping what fails), then record the state."""
        await self._read_robots()
        if not self.robots.can_fetch(AGENT, self.site.start):
            raise SourceError(None, f"{self.site.start} is disallowed by the site's robots.txt")
        listed = await self._sitemap()
        if listed:
            self.follow = False
        self._add(self.site.start)
        # The start page alone first: a failure there is the source's, not a page's.
        try:
            await self._page(self.queue.get_nowait(), first=True)
        except _Skip as exc:
            raise SourceError(None, f"{self.site.start}: {exc}") from None
        self.queue.task_done()
        for url in listed:
            self._add(url)
        workers = [asyncio.create_task(self._work()) for _ in range(self.limits.concurrency)]
        try:
            await self.queue.join()
        finally:
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.failure is not None:
            raise self.failure
        if self.stopped:
            self.report.notes.append(self.stopped)
        self.staging.state = {"kind": "website", "url": self.site.start, "pages": self.pages}
        return self.report

    def _add(self, url: str) -> None:
        if url in self.seen:
            return
        if len(self.seen) >= self.limits.max_pages:
            self.stopped = self.stopped or f"stopped at {self.limits.max_pages} pages (DOCBOT_SOURCE_MAX_PAGES)"
            return
        if not self.robots.can_fetch(AGENT, url):
            self.report.skipped.append((url, "disallowed by robots.txt"))
            return
        self.seen.add(url)
        self.queue.put_nowait(url)

    async def _work(self) -> None:
        while True:
            url = await self.queue.get()
            try:
                if not self.full:
                    await self._page(url)
            except _Skip as exc:
                self.report.skipped.append((url, str(exc)))
            except SourceError as exc:
                self.report.skipped.append((url, exc.problem))
            except Exception as exc:  # noqa: BLE001 - a full disk, a bug: end the fetch, and say it after
                self.failure = self.failure or exc
                self.full = True  # the pages still queued are left
            finally:
                self.queue.task_done()
            if self.delay:
                await asyncio.sleep(self.delay)

    async def _page(self, url: str, *, first: bool = False) -> None:
        before = self.previous.get(url) or {}
        headers = {}
        if before.get("file") and (self.staging.folder / before["file"]).is_file():
            if before.get("etag"):
                headers["If-None-Match"] = before["etag"]
            if before.get("modified"):
                headers["If-Modified-Since"] = before["modified"]
        page = await self._get(url, headers, html_only=first)
        if page.status == 304:
            rel = before["file"]
            self.site.files[rel] = page.url
            if self.staging.keep(rel, page.url):
                self.report.unchanged.append(rel)
                self.pages[url] = before
                if self.follow and rel.endswith((".html", ".htm")):
                    self._links((self.staging.path / rel).read_bytes(), page.url)
                return
            raise _Skip("the server said unchanged, but the previous copy is gone")
        html = _media_type(page.headers) in HTML_TYPES
        rel = self.site.file_for(page.url, html)
        if html and not _looks_like_html(page.body):
            raise _Skip("served as text/html but is not HTML (binary content)")
        if self.staging.bytes + len(page.body) > self.limits.max_total_bytes:
            limit = f"the total limit of {_mb(self.limits.max_total_bytes)} (DOCBOT_SOURCE_MAX_TOTAL_MB)"
            if first:
                raise _Skip(f"larger than {limit}")
            self.full = True
            self.stopped = f"stopped at {limit}"
            return
        self.staging.write(rel, page.body, page.url)
        self.pages[url] = {"file": rel, "etag": page.headers.get("etag"),
                           "modified": page.headers.get("last-modified")}
        old = self.staging.folder / rel
        same = old.is_file() and old.read_bytes() == page.body
        (self.report.unchanged if same else self.report.changed).append(rel)
        if same:  # a server without validators: the previous file kept, with its time, so it is not read again
            (self.staging.path / rel).unlink()
            self.staging.files -= 1
            self.staging.bytes -= len(page.body)
            self.staging.keep(rel, page.url)
        if html and self.follow:
            self._links(page.body, page.url)

    def _links(self, body: bytes, base: str) -> None:
        import lxml.html
        from lxml import etree

        try:
            doc = lxml.html.document_fromstring(body)
        except (etree.ParserError, ValueError):
            return
        found = doc.find(".//base[@href]")
        if found is not None:
            base = urljoin(base, found.get("href"))
        for a in doc.iter("a"):
            href = a.get("href")
            url = self.site.normal(href, base) if href else None
            if url is not None and _wanted(url):
                self._add(url)

    async def _get(self, url: str, headers: dict[str, str], *, html_only: bool = False) -> _Page:
        """GET a page of the site, following its redirects within the site; _Skip when it is not kept."""
        try:
            return await asyncio.wait_for(self._follow(url, headers, html_only), self.limits.timeout * 2)
        except (asyncio.TimeoutError, TimeoutError):
            raise _Skip(f"no complete answer within {self.limits.timeout:g} s "
                        "(DOCBOT_SOURCE_TIMEOUT_SECONDS)") from None

    async def _follow(self, url: str, headers: dict[str, str], html_only: bool) -> _Page:
        import httpx

        hops = [url]
        while True:
            self.report.requests += 1
            try:
                async with self.client.stream("GET", url, headers=headers) as r:
                    if r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers:
                        target = self.site.normal(r.headers["location"], url)
                        if target is None:
                            raise _Skip(f"redirects outside the site, to {r.headers['location'][:200]}")
                        if target in hops or len(hops) > MAX_REDIRECTS:
                            raise _Skip("redirect loop")
                        if target in self.seen and target != hops[0]:
                            raise _Skip(f"redirects to {target}, fetched already")
                        hops.append(target)
                        self.seen.add(target)
                        url = target
                        continue
                    if r.status_code == 304:
                        return _Page(304, url, dict(r.headers))
                    if r.status_code != 200:
                        raise _Skip(f"HTTP {r.status_code} {r.reason_phrase}".rstrip())
                    kind = _media_type(r.headers)
                    # Other documents a site links to (a PDF manual) are kept when their URL names a format
                    # docbot reads; their links are not followed.
                    document = posixpath.splitext(urlsplit(url).path)[1].lower() in SUPPORTED_SUFFIXES
                    if kind not in HTML_TYPES and (html_only or not document):
                        raise _Skip(f"not a page docbot reads ({kind or 'no content type'})")
                    limit = self.limits.max_page_bytes
                    declared = r.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise _Skip(f"larger than {_mb(limit)} (DOCBOT_SOURCE_MAX_PAGE_MB)")
                    body = bytearray()
                    async for chunk in r.aiter_raw():
                        body += chunk
                        if len(body) > limit:  # stop reading: the rest never comes down the wire
                            raise _Skip(f"larger than {_mb(limit)} (DOCBOT_SOURCE_MAX_PAGE_MB)")
                    data = _decoded(bytes(body), r.headers.get("content-encoding", ""), limit)
                    return _Page(200, url, dict(r.headers), data)
            except httpx.TimeoutException:
                raise _Skip(f"no answer within {self.limits.timeout:g} s (DOCBOT_SOURCE_TIMEOUT_SECONDS)") from None
            except httpx.HTTPError as exc:
                raise SourceError(None, f"cannot reach {url}: {_reason(exc)}") from None

    async def _read_robots(self) -> None:
        import httpx

        robots = self.site.origin + "/robots.txt"
        self.report.requests += 1
        try:
            r = await self.client.get(robots)
        except httpx.TimeoutException:
            raise SourceError(None, f"no answer from {self.site.origin} within {self.limits.timeout:g} s "
                                    "(DOCBOT_SOURCE_TIMEOUT_SECONDS)") from None
        except httpx.HTTPError as exc:
            raise SourceError(None, f"cannot reach {self.site.origin}: {_reason(exc)}") from None
        if r.status_code in (401, 403):
            self.robots.disallow_all = True
        elif r.status_code == 200:
            self.robots.parse(r.text[:500_000].splitlines())
        else:
            self.robots.allow_all = True
        self.delay = max(self.delay, min(MAX_CRAWL_DELAY, float(self.robots.crawl_delay(AGENT) or 0)))

    async def _sitemap(self) -> list[str]:
        """The pages of the site's sitemap under the start URL (robots.txt's sitemaps, else <path>/sitemap.xml)."""
        candidates = [u for u in (self.robots.site_maps() or []) if u.startswith(self.site.origin + "/")]
        todo = candidates or [self.site.origin + self.site.prefix + "sitemap.xml"]
        pages: list[str] = []
        done = 0
        while todo and done < MAX_SITEMAPS:
            url = todo.pop(0)
            done += 1
            try:
                body = await self._get_sitemap(url)
            except _Skip as exc:
                log.debug("no sitemap at %s: %s", url, exc)
                continue
            nested, locs = _read_sitemap(body)
            todo.extend(u for u in nested if u.startswith(self.site.origin + "/"))
            for loc in locs:
                page = self.site.normal(loc, url)
                if page is not None and _wanted(page) and page not in pages:
                    pages.append(page)
        return pages

    async def _get_sitemap(self, url: str) -> bytes:
        import httpx

        self.report.requests += 1
        try:
            async with self.client.stream("GET", url) as r:
                if r.status_code != 200:
                    raise _Skip(f"HTTP {r.status_code}")
                body = bytearray()
                async for chunk in r.aiter_raw():
                    body += chunk
                    if len(body) > self.limits.max_page_bytes:
                        raise _Skip("too large")
                return _decoded(bytes(body), r.headers.get("content-encoding", ""), self.limits.max_page_bytes)
        except httpx.HTTPError as exc:
            raise _Skip(_reason(exc)) from None


def _read_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """A sitemap's nested sitemaps and page URLs (a sitemap index, a urlset, gzipped or not)."""
    from lxml import etree

    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError:
            return [], []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    locs = [(el.text or "").strip() for el in root.iter("{*}loc")]
    locs = [loc for loc in locs if loc]
    return (locs, []) if etree.QName(root).localname == "sitemapindex" else ([], locs)


def _wanted(url: str) -> bool:
    """A URL of a page or of a document docbot reads (not an image, an archive, a stylesheet)."""
    suffix = posixpath.splitext(urlsplit(url).path)[1].lower()
    return not suffix or suffix in SUPPORTED_SUFFIXES or suffix in (".php", ".asp", ".aspx", ".jsp", ".shtml")


def _decoded(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its transfer compression (the raw bytes were counted against the limit already)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        import zlib

        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(body, limit + 1)
        if len(out) > limit:
            raise _Skip(f"larger than {_mb(limit)} once decompressed (DOCBOT_SOURCE_MAX_PAGE_MB)")
        return out
    raise _Skip(f"content encoding {encoding!r} not supported")


def _looks_like_html(body: bytes) -> bool:
    head = body[:8192]
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the sample's end
            text = head.decode("cp1252", errors="replace")
        else:
            text = head[:exc.start].decode("utf-8")
    bad = sum(1 for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f"))
    return bool(text.strip()) and bad / max(1, len(text)) < 0.05


def _media_type(headers) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.3g} MB"


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None and (not text or text == type(exc).__name__):
        text = str(cause).strip()
        cause = cause.__cause__
    return text.splitlines()[0][:200]


def fetch_website(url: str, staging: Staging, limits: Limits) -> Fetched:
    """Fetch the site under `url` into `staging`; SourceError when its start page can't be had."""
    import httpx

    site = Site(url)

    async def go() -> Fetched:
        try:
            version = metadata.version("docbot")
        except metadata.PackageNotFoundError:
            version = "dev"
        timeout = httpx.Timeout(limits.timeout)
        pool = httpx.Limits(max_connections=limits.concurrency)
        async with httpx.AsyncClient(timeout=timeout, limits=pool, follow_redirects=False, trust_env=False,
                                     headers={"User-Agent": f"docbot/{version}",
                                              "Accept-Encoding": "gzip"}) as client:
            return await Crawler(site, staging, limits, client).run()

    return asyncio.run(go())
