"""The pages' static files: ours (app/dashboard/static) and the front-end packages npm installs
(node_modules, pinned in package-lock.json), served by the app itself, never from a CDN.

Every file is served under one version, a digest of all their contents:
`/app/assets/<version>/<name>`. A URL therefore never changes meaning, so browsers may keep it for
a year; a change to any file makes a new version and new URLs. Files are read and gzipped once per
process.
"""

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from app.errors import Unavailable

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Name served → path inside node_modules.
VENDOR_FILES = {
    "vendor/uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js",
    "vendor/uPlot.min.css": "uplot/dist/uPlot.min.css",
    "vendor/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "vendor/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    mimetype: str


class MissingAssets(Unavailable):
    """A front-end package is not installed (npm ci has not run): the pages answer 503 saying so."""


class Assets:
    def __init__(self, node_modules: Path):
        self.node_modules = Path(node_modules)

    def _sources(self) -> dict[str, Path]:
        sources = {path.relative_to(STATIC_DIR).as_posix(): path for path in sorted(STATIC_DIR.rglob("*")) if path.is_file()}
        missing = [package for package in VENDOR_FILES.values() if not (self.node_modules / package).is_file()]
        if missing:
            raise MissingAssets(f"{', '.join(missing)} not found in {self.node_modules}: run `npm ci` (make install does)")
        sources.update({name: self.node_modules / package for name, package in VENDOR_FILES.items()})
        return sources

    @cached_property
    def files(self) -> dict[str, Asset]:
        files = {}
        for name, path in self._sources().items():
            body = path.read_bytes()
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            files[name] = Asset(body, gzip.compress(body, compresslevel=9, mtime=0), mimetype)
        return files

    @cached_property
    def version(self) -> str:
        digest = hashlib.sha256()
        for name, asset in sorted(self.files.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(asset.body).digest())
        return digest.hexdigest()[:16]
