"""Which taxonomy the running system uses: the imported bundle, else the bundled demo."""

from __future__ import annotations

import logging
from pathlib import Path

from matcher.taxonomy.demo import demo_taxonomy
from matcher.taxonomy.model import Taxonomy

log = logging.getLogger(__name__)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The bundle at ``path`` when it exists, otherwise the demo (the configured path is
    :func:`platsa.assembly.load_taxonomy`'s).

    The demo keeps a fresh checkout (and CI) working without any download; the log line says
    which one was chosen, because results differ a lot between the two.
    """
    if path is not None and path.is_file():
        taxonomy = Taxonomy.load(path)
        log.info("using the imported taxonomy at %s (%d occupations)", path, len(taxonomy))
        return taxonomy
    log.info("no taxonomy bundle at %s; using the bundled demo taxonomy", path)
    return demo_taxonomy()
