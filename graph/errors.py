"""Every error Mosaic raises on purpose, in one place.

Services raise these and never HTTP errors; the API maps them to responses in a single
handler (as httpx documents its exception hierarchy in one module).

    MosaicError                                               HTTP
    ├── NotAuthenticated     no valid token (which is never said)       401
    ├── AccessDenied         the caller's role may not do this          403
    ├── PurposeRequired      personal data asked for without a purpose  400
    ├── NotFound             does not exist, or is not visible to you   404
    ├── ValidationFailed     input breaks a rule of the model           422
    ├── TooLarge             input over a configured size limit         413
    └── StoreError               the store refused or failed a batch; nothing was written
        ├── IntegrityError       a batch contradicts the graph's rules
        │   ├── MissingEndpoint  an edge names a node that does not exist
        │   ├── EndpointKindMismatch  an edge joins node kinds its kind does not allow
        │   └── KindConflict     an id already belongs to a node of another kind
        └── StoreUnavailable     the backend cannot be reached or opened   503
    (other StoreErrors are 409)

The API maps these in one handler (`api/errors.py`); a hidden record is NotFound, exactly
as a missing one, so existence never leaks.
"""

from __future__ import annotations


class MosaicError(Exception):
    """Base of every deliberate Mosaic error."""


class NotAuthenticated(MosaicError):
    pass


class AccessDenied(MosaicError):
    pass


class PurposeRequired(MosaicError):
    pass


class NotFound(MosaicError):
    pass


class ValidationFailed(MosaicError):
    pass


class TooLarge(MosaicError):
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
