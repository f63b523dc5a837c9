"""Request and response bodies of the API, separate from the store's tables.

Bodies that create a record reuse the domain model (one set of validation rules); updates
are partial versions of it (:func:`serving.schemas.common.partial_model`) whose result is
validated again as a whole record; responses are ``*Public`` models that carry only what
the caller's role may see.
"""
