"""Files users attach to slash commands: attachment objects, and the stand-in's CDN that serves them.

Discord puts an attachment option's file on its CDN before the interaction is sent; the interaction
carries the attachment object (id, filename, size, url, proxy_url, content_type, ephemeral) in
`data.resolved.attachments`. Here the declared `size` may lie, and a file may be served gzip-encoded (a
compressed bomb), to test a bot's own limits.
"""

from __future__ import annotations

import gzip
import mimetypes
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from . import objects as o

if TYPE_CHECKING:
    from .server import FakeDiscord


@dataclass
class Stored:
    """A file on the CDN."""

    data: bytes
    gzip_encoded: bool = False


def upload(fake: FakeDiscord, filename: str, data: bytes, *, declared_size: int | None = None,
           content_type: str | None = None, gzip_encoded: bool = False) -> dict:
    """A user attaches a file: it goes to the CDN; the attachment object an interaction will carry."""
    aid = o.snowflake()
    with fake.lock:
        fake.cdn[aid] = Stored(data, gzip_encoded)
    url = f"http://127.0.0.1:{fake.port}/attachments/{fake.channel_id}/{aid}/{quote(filename, safe='')}"
    out = {"id": str(aid), "filename": filename, "size": len(data) if declared_size is None else declared_size,
           "url": url + "?ex=0&is=0&hm=0", "proxy_url": url.replace("/attachments/", "/media-proxy/"),
           "ephemeral": True}
    guessed = content_type or mimetypes.guess_type(filename)[0]
    if guessed:
        out["content_type"] = guessed
    return out


def routes(fake: FakeDiscord) -> list[web.RouteDef]:
    """GET of the files on the CDN (recorded in `fake.cdn_requests`)."""

    async def serve(request: web.Request) -> web.StreamResponse:
        aid = request.match_info["id"]
        with fake.lock:
            fake.cdn_requests.append(int(aid) if aid.isdigit() else aid)
            stored = fake.cdn.get(int(aid)) if aid.isdigit() else None
        if stored is None:
            return web.Response(status=404, text="Not Found")
        if stored.gzip_encoded:
            return web.Response(body=gzip.compress(stored.data, compresslevel=6), status=200,
                                headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
        return web.Response(body=stored.data, status=200, content_type="application/octet-stream")

    return [web.get("/attachments/{channel}/{id}/{name:.*}", serve)]
