"""Storage: tables, migrations, transactions and the use cases built on them.

The API lives in the submodules, imported on purpose rather than re-exported here so that
``matcher.store.flat`` (needed by light callers such as the CLI's command list) does not
pull in pandas and Alembic:

- :mod:`matcher.store.engine`: ``get_engine``, ``session_scope``, ``init_db``, migrations;
- :mod:`matcher.store.repositories`: records in and out, placement life cycle, booking,
  ``load_frames`` and ``count_rows``;
- :mod:`matcher.store.flat`: the record kinds and the flat row ↔ domain converters;
- :mod:`matcher.store.models`: the SQLAlchemy tables.
"""
