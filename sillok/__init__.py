"""Sillok: a central information and evidence repository for human-rights accountability."""

from sillok.core import sqlite_driver

# Before anything imports Django's SQLite backend (which happens after settings load).
sqlite_driver.install()
