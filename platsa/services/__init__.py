"""Use cases shared by the API routes, the web pages and the command line.

A route or a page parses its input, calls one use case and shapes the answer; the use case
checks who may do it (:mod:`platsa.services.access`), reads and writes the store, asks the
recommender and records the audit entry (:mod:`platsa.services.audit`). So the API and the
pages answer and log exactly alike, and no page calls a route function.
"""
