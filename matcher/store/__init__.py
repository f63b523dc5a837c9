"""Storage: tables, migrations, transactions and the use cases built on them.

The API lives in the submodules, imported on purpose rather than re-exported here, so a
light caller does not pull in pandas and Alembic. The flat row shape the tables store is the
core's (:mod:`matcher.flat`).

- :mod:`matcher.store.engine`: ``get_engine``, ``session_scope``, ``init_db``, migrations;
- :mod:`matcher.store.repositories`: records in and out, placement life cycle, booking,
  ``load_frames`` and ``count_rows``;
- :mod:`matcher.store.models`: the SQLAlchemy tables.
"""
