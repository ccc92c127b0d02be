"""Every error Mosaic raises on purpose, in one place.

Services raise these and never HTTP errors; the API maps them to responses in a single
handler (as httpx documents its exception hierarchy in one module).

    MosaicError
    ├── NotFound                 a requested node or edge does not exist (or is not visible)
    ├── ValidationFailed         input breaks a rule of the model
    └── StoreError               the store refused or failed a batch; nothing was written
        ├── IntegrityError       a batch contradicts the graph's rules
        │   ├── MissingEndpoint  an edge names a node that does not exist
        │   ├── EndpointKindMismatch  an edge joins node kinds its kind does not allow
        │   └── KindConflict     an id already belongs to a node of another kind
        └── StoreUnavailable     the backend cannot be reached or opened
"""

from __future__ import annotations


class MosaicError(Exception):
    """Base of every deliberate Mosaic error."""


class NotFound(MosaicError):
    pass


class ValidationFailed(MosaicError):
    pass


class StoreError(MosaicError):
    pass


class IntegrityError(StoreError):
    pass


class MissingEndpoint(IntegrityError):
    pass


class EndpointKindMismatch(IntegrityError):
    pass


class KindConflict(IntegrityError):
    pass


class StoreUnavailable(StoreError):
    pass
