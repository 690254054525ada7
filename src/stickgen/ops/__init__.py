"""Operating the pipeline (Makefile targets): `make plots`, `make verify-cache`, `make reproduce-check`.

plots         DVC plots rendered offline as PNG and one HTML page
cache_check   rehash every DVC cache object against its name
reproduce     run the data stages twice and compare their output hashes
"""
