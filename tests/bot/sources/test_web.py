"""How a website's URLs are scoped and named, and how its sitemaps are read."""

from __future__ import annotations

import gzip

import pytest

from bot.sources.web import Site, _read_sitemap


@pytest.mark.parametrize(("start", "link", "page"), [
    ("https://ex.org/docs/", "guide/intro.html#setup", "https://ex.org/docs/guide/intro.html"),
    ("https://ex.org/docs/index.html", "../docs/a.html", "https://ex.org/docs/a.html"),
    ("https://ex.org/docs", "/docs/a.html", "https://ex.org/docs/a.html"),
    ("https://ex.org/docs/", "/blog/a.html", None),  # outside the start URL's path
    ("https://ex.org/docs/", "/docsx/a.html", None),
    ("https://ex.org/docs/", "https://other.org/docs/a.html", None),  # another host
    ("https://ex.org/docs/", "a.html?page=2", None),  # a query: the same page again, most often
    ("https://EX.org/docs/", "https://ex.org/docs/b/", "https://ex.org/docs/b/"),
])
def test_links_within_the_start_urls_host_and_path_are_pages(start, link, page):
    """A link is a page of the site when it is on the start URL's host, below its folder, without a query."""
    site = Site(start)
    assert site.normal(link, site.start) == page


@pytest.mark.parametrize(("url", "html", "file"), [
    ("https://ex.org/docs/", True, "index.html"),
    ("https://ex.org/docs/guide/", True, "guide/index.html"),
    ("https://ex.org/docs/guide/intro", True, "guide/intro.html"),
    ("https://ex.org/docs/guide/intro.html", True, "guide/intro.html"),
    ("https://ex.org/docs/manual.pdf", False, "manual.pdf"),
    ("https://ex.org/docs/caf%C3%A9.html", True, "café.html"),
    ("https://ex.org/docs/a%3Cb%3E.html", True, "a_b_.html"),
])
def test_each_page_is_kept_under_its_path(url, html, file):
    """A page's file is its path below the start URL's folder; folders are index.html, pages end in .html."""
    assert Site("https://ex.org/docs/").file_for(url, html) == file


def test_sitemaps_plain_gzipped_and_indexes_are_read():
    """A urlset gives pages; a sitemap index gives sitemaps; gzip is undone."""
    urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc> https://ex.org/docs/a.html </loc></url><url><loc>https://ex.org/docs/b/</loc></url></urlset>")
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://ex.org/docs/sitemap-1.xml.gz</loc></sitemap></sitemapindex>")
    assert _read_sitemap(urlset) == ([], ["https://ex.org/docs/a.html", "https://ex.org/docs/b/"])
    assert _read_sitemap(gzip.compress(urlset)) == _read_sitemap(urlset)
    assert _read_sitemap(index) == (["https://ex.org/docs/sitemap-1.xml.gz"], [])
    assert _read_sitemap(b"<html>not a sitemap") == ([], [])
