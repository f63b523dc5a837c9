"""Fetch the taxonomy source files from their publishers (JobTech JSON, ESCO CSV archives).

Both functions take the address as a parameter (``http(s)://`` or ``file://``), write each
file atomically (temp file + rename) and return the paths written, ready for
:func:`matcher.taxonomy.importer.import_taxonomy`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from matcher.taxonomy import esco, jobtech
from matcher.taxonomy.files import staged_file

log = logging.getLogger(__name__)

JOBTECH_BASE_URL = "https://data.jobtechdev.se/taxonomy/version/latest/query"
"""JobTech's static taxonomy downloads: ``{base}/{dataset}/{dataset}.json``."""

ESCO_ARCHIVE_URLS: tuple[str, ...] = (
    "https://github.com/tabiya-tech/tabiya-esco-datasets-and-tools/raw/"
    "1a8a32efb786c7f72052c893b144beb911fa7db1/datasets/esco/v1.1.1/classification/"
    "ESCO%20dataset%20-%20v1.1.1%20-%20classification%20-%20en%20-%20csv.zip",
    "https://github.com/tabiya-tech/tabiya-esco-datasets-and-tools/raw/"
    "1a8a32efb786c7f72052c893b144beb911fa7db1/datasets/esco/v1.1.1/relations/"
    "ESCO%20dataset%20-%20v1.1.1%20-%20classification%20-%20%20-%20csv.zip",
)
"""Unmodified copies of the ESCO v1.1.1 CSV packages (the official portal needs a form):
the English classification and the language-neutral relations."""

_TIMEOUT = 120.0
_CHUNK = 1 << 20


def download_jobtech(
    dest_dir: Path,
    base_url: str = JOBTECH_BASE_URL,
    datasets: Sequence[str] = jobtech.DATASETS,
    timeout: float = _TIMEOUT,
) -> list[Path]:
    """Download the JobTech datasets Platsa reads into ``dest_dir`` as ``NAME.json``.

    Each file is checked to be a JobTech concept list before it replaces an older copy.
    """
    dest_dir = Path(dest_dir)
    written = []
    for name in datasets:
        url = f"{base_url.rstrip('/')}/{name}/{name}.json"
        path = dest_dir / f"{name}.json"
        with staged_file(path) as temp:
            fetch(url, temp, timeout)
            jobtech.read_concepts(temp)
        written.append(path)
        log.info("downloaded %s", url)
    return written


def download_esco(
    dest_dir: Path,
    archive_urls: Iterable[str] = ESCO_ARCHIVE_URLS,
    timeout: float = _TIMEOUT,
) -> list[Path]:
    """Download ESCO CSV archives (zip) and extract the tables Platsa reads into ``dest_dir``.

    Raises :class:`LookupError` naming the tables no archive contained.
    """
    dest_dir = Path(dest_dir)
    wanted = {f"{stem}.csv": stems[0] for stems in esco.FILES for stem in stems}
    found: dict[str, Path] = {}
    for url in archive_urls:
        with tempfile.TemporaryDirectory() as scratch:
            archive = Path(scratch) / "archive.zip"
            fetch(url, archive, timeout)
            found.update(_extract(archive, url, wanted, dest_dir))
    missing = sorted({stems[0] for stems in esco.FILES} - set(found))
    if missing:
        raise LookupError(f"no {', '.join(m + '.csv' for m in missing)} in the ESCO archives")
    return [found[stems[0]] for stems in esco.FILES]


def _extract(
    archive: Path, url: str, wanted: dict[str, str], dest_dir: Path
) -> dict[str, Path]:
    """Copy the wanted members (matched by file name, in any folder) out of one archive."""
    found: dict[str, Path] = {}
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                name = PurePosixPath(member).name
                if name not in wanted:
                    continue
                path = dest_dir / name
                with staged_file(path) as temp, bundle.open(member) as src, temp.open("wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
                found[wanted[name]] = path
                log.info("extracted %s from %s", name, url)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{url}: not a zip archive ({exc})") from exc
    return found


def fetch(url: str, target: Path, timeout: float) -> None:
    """Stream ``url`` into ``target``; network and HTTP failures name the URL."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)
    except urllib.error.HTTPError as exc:
        raise OSError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OSError(f"could not download {url}: {reason}") from exc
