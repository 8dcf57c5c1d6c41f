"""Dependencies point one way (DESIGN.md, "Layout"): an app imports only the apps below it.

The order is LAYERS, one place for all of it. Every import in every module under sillok/ is
read with `ast` (imports inside functions too: a lazy import is still a dependency), and an
import of a higher app fails the test with the module, the line and the import named. A new
app goes into LAYERS where it belongs; a command, template tag or helper that needs a higher
app moves to the app whose data it touches (STYLE.md), not into an exception here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sillok

# Bottom first. An app may import itself and any app before it in this list, nothing after.
LAYERS: tuple[str, ...] = (
    "core",  # base helpers: sensitivity, bulk writes, keys, the SQLite driver, the counts registry
    "custody",  # blob store, audit log, checkpoints, verify, readiness, the heartbeat task
    "accounts",  # users, roles, clearance; commands that act as a user on the audit log
    "evidence",  # items, intake, derivatives, jobs
    "vocab",  # thesauri and gazetteer
    "records",  # who did what to whom
    "vault",
    "redaction",
    "search",
    "assessment",  # legal frameworks, case files, the proof matrix
    "workspace",  # the home page, init, serve, worker: may import every app above
    "demo",  # loads data through every app's services
)
# Not apps: the project's own modules and the test helpers, which may import any app.
UNLAYERED = {"__init__", "settings", "urls", "api", "cli", "wsgi", "testing"}

PACKAGE = Path(sillok.__file__).parent


def app_of(module: str) -> str | None:
    """The top-level part of sillok.<part>...; None for a module outside sillok."""
    parts = module.split(".")
    if parts[0] != "sillok" or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    relative = path.relative_to(package.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import in the file at `path`, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from sillok import records` names an app in the alias, not the module.
            if module == "sillok":
                found.extend((node.lineno, f"sillok.{alias.name}") for alias in node.names)
    return found


def violations(package: Path = PACKAGE) -> list[str]:
    rank = {app: position for position, app in enumerate(LAYERS)}
    found = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        importer = app_of(module)
        if importer is None or importer in UNLAYERED:
            continue
        for line, imported in imported_modules(path, package):
            target = app_of(imported)
            if target is None or target == importer:
                continue
            if target in UNLAYERED:
                # settings, urls, wsgi, the API's root: they import every app, so an app that
                # imports them depends on everything (django.conf.settings is the way to read
                # settings).
                found.append(f"{module}:{line} imports {imported}: the project sits above apps")
            elif target not in rank or importer not in rank:
                found.append(f"{module}:{line} imports {imported}: an app missing from LAYERS")
            elif rank[target] > rank[importer]:
                found.append(
                    f"{module}:{line} imports {imported}: {importer} is below {target} in LAYERS"
                )
    return found


def test_no_app_imports_a_higher_one() -> None:
    found = violations()
    assert not found, "imports against the layer order:\n" + "\n".join(found)


def test_every_app_is_in_the_layer_order() -> None:
    apps = {
        path.name
        for path in PACKAGE.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in UNLAYERED
    }
    assert apps == set(LAYERS)


def test_the_layer_order_matches_installed_apps() -> None:
    """INSTALLED_APPS lists the apps bottom first, so AppConfig.ready runs in layer order."""
    from django.conf import settings

    ours = [app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("sillok.")]
    assert ours == list(LAYERS)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sillok.records.access import can_view_records\n", "imports sillok.records.access"),
        ("def f():\n    import sillok.search.services\n", "imports sillok.search.services"),
        ("from sillok import workspace\n", "imports sillok.workspace"),
        ("from ..redaction import services\n", "imports sillok.redaction"),
    ],
)
def test_an_upward_import_is_named_with_its_module_and_line(
    tmp_path: Path, source: str, expected: str
) -> None:
    """The check itself: a lower app (vocab here) importing a higher one is reported, lazy
    and relative imports included; importing a lower app is not."""
    fake = tmp_path / "sillok"
    (fake / "vocab").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "vocab" / "__init__.py").write_text("")
    (fake / "vocab" / "views.py").write_text(
        "from sillok.accounts.roles import roles_of\n" + source
    )
    found = violations(fake)
    assert len(found) == 1
    line = 1 + source.count("\n")  # the upward import is the last line written
    assert found[0].startswith(f"sillok.vocab.views:{line} ")
    assert expected in found[0]
