"""Which taxonomy the running system uses: the imported bundle, else the bundled demo."""

from __future__ import annotations

import logging

from matcher.taxonomy.demo import demo_taxonomy
from matcher.taxonomy.model import Taxonomy
from platsa.settings import Settings, get_settings

log = logging.getLogger(__name__)


def load_taxonomy(settings: Settings | None = None) -> Taxonomy:
    """The bundle at ``settings.paths.resolved_taxonomy_path`` when it exists, otherwise the demo.

    The demo keeps a fresh checkout (and CI) working without any download; the log line says
    which one was chosen, because results differ a lot between the two.
    """
    settings = settings or get_settings()
    path = settings.paths.resolved_taxonomy_path
    if path.is_file():
        taxonomy = Taxonomy.load(path)
        log.info("using the imported taxonomy at %s (%d occupations)", path, len(taxonomy))
        return taxonomy
    log.info("no taxonomy bundle at %s; using the bundled demo taxonomy", path)
    return demo_taxonomy()
