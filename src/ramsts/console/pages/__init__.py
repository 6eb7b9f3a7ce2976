"""The console's pages, one module per section; each exposes ``routes(site)``."""
