"""The demo dataset and demo users that `sillok demo` loads (see data/README.md)."""
