"""Find experiments by id: the built-in suites shipped in the package plus user folders."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from jarri.errors import UnknownExperiment
from jarri.suite.loader import load_experiment, manifest_path
from jarri.suite.manifest import upstream_experiment_id
from jarri.suite.model import Experiment


def builtin_root() -> Path:
    return Path(str(resources.files("jarri") / "suites"))


def _experiment_folders(root: Path) -> list[Path]:
    """A root is either an experiment folder itself or a folder of experiment folders."""
    if manifest_path(root) is not None:
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and manifest_path(p) is not None)


def _declared_id(folder: Path) -> str:
    """The id a folder's experiment has, read cheaply (for an original-format folder the
    namespaced one, as the loader gives it, so that it never shadows a built-in experiment of
    the original id); falls back to the folder name if unreadable."""
    import json
    import tomllib

    mp = manifest_path(folder)
    try:
        if mp is not None and mp.suffix == ".toml":
            return str(tomllib.loads(mp.read_text("utf-8"))["experiment_id"])
        if mp is not None:
            return upstream_experiment_id(str(json.loads(mp.read_text("utf-8"))["experiment_id"]))
    except Exception:  # noqa: BLE001 - an unreadable manifest is reported when it is loaded
        pass
    return folder.name


class SuiteRegistry:
    """Maps experiment ids to folders. User folders shadow built-ins with the same id."""

    def __init__(self, suite_dirs: Iterable[Path] = (), *, include_builtin: bool = True) -> None:
        self.folders: dict[str, Path] = {}
        self.sources: dict[str, str] = {}
        if include_builtin:
            for f in _experiment_folders(builtin_root()):
                self.folders[_declared_id(f)] = f
                self.sources[_declared_id(f)] = "built-in"
        for root in suite_dirs:
            for f in _experiment_folders(Path(root)):
                self.folders[_declared_id(f)] = f
                self.sources[_declared_id(f)] = str(root)

    def ids(self) -> list[str]:
        return sorted(self.folders)

    def load(self, experiment_id: str) -> Experiment:
        folder = self.folders.get(experiment_id)
        if folder is None:
            known = ", ".join(self.ids()) or "(none)"
            namespaced = upstream_experiment_id(experiment_id)
            also = (f"; the original project's experiment of that id is '{namespaced}' here"
                    if namespaced in self.folders else "")
            raise UnknownExperiment(
                f"unknown experiment '{experiment_id}'",
                hint=f"known experiments: {known}{also}; add your own folder with "
                     "--suite-dir DIR",
            )
        return load_experiment(folder)
