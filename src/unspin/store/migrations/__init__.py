"""Numbered schema migrations, applied in order and recorded in ``schema_version``.

Each module ``NNNN_name.py`` defines ``upgrade(conn, dialect)``; ``conn`` is a SQLAlchemy
connection inside the migration's own transaction and ``dialect`` is ``"sqlite"`` or
``"postgresql"``. A migration never changes once released: add a new one instead.
"""
