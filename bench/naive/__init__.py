"""The before/after: the design users copy (send in the request) against this service.

`python -m bench.naive` runs it; `bench/naive/app.py` is the naive app, standalone.
"""
