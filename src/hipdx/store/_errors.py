"""Why the store cannot be used.

HipdxError
└── StoreError                  the database cannot be used as asked
    ├── SchemaMismatchError     its schema is not the one this hipdx needs (run `hipdx db upgrade`)
    └── StoreUnavailableError   it cannot be reached, is locked, read-only or missing
"""

from __future__ import annotations

from hipdx.exceptions import HipdxError


class StoreError(HipdxError):
    """The database cannot be used as asked."""


class SchemaMismatchError(StoreError):
    """The database's schema revision is not the head of the packaged migrations."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached, is locked, read-only or missing: nothing was saved."""
