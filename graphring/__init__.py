"""graphring: find counterfeit seller rings through the infrastructure their shops share.

The public API is exactly ``__all__``; the command line (``graphring``) is a thin layer
over it.

>>> import graphring
>>> sorted(graphring.__all__)[:3]
['ConfigError', 'Dataset', 'GraphringError']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# the module graphring.evaluate shares its name with the function: imported now, so that
# importing the module later (which makes it the package's attribute) cannot hide it
from graphring.evaluate import Quality, evaluate

if TYPE_CHECKING:
    from graphring.config import Settings, load_settings
    from graphring.contract import Dataset, read_dataset
    from graphring.errors import (
        ConfigError,
        GraphringError,
        InputError,
        RunLockedError,
        StoreError,
    )
    from graphring.investigation import Investigation, investigate, open_run
    from graphring.jobs import scheduled_run, set_ring_status
    from graphring.pipeline import PreviousRun, RunResult, run_pipeline
    from graphring.rundir.write import write_run
    from graphring.sample import write_sample
    from graphring.stores import MemoryStore, Store, open_store
    from graphring.version import __version__

#: Where each public name lives: imported when first asked for (PEP 562), so that the
#: command line and the processes a run starts import only the modules they use.
_HOME = {
    "Settings": "config",
    "load_settings": "config",
    "Dataset": "contract",
    "read_dataset": "contract",
    "ConfigError": "errors",
    "GraphringError": "errors",
    "InputError": "errors",
    "RunLockedError": "errors",
    "StoreError": "errors",
    "Investigation": "investigation",
    "investigate": "investigation",
    "open_run": "investigation",
    "scheduled_run": "jobs",
    "set_ring_status": "jobs",
    "PreviousRun": "pipeline",
    "RunResult": "pipeline",
    "run_pipeline": "pipeline",
    "write_run": "rundir.write",
    "write_sample": "sample",
    "MemoryStore": "stores",
    "Store": "stores",
    "open_store": "stores",
    "__version__": "version",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        # a module of the package (``graphring.pipeline`` after ``import graphring``)
        try:
            return importlib.import_module(f"graphring.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"graphring.{name}":
                raise
        raise AttributeError(f"module 'graphring' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"graphring.{home}"), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ConfigError",
    "Dataset",
    "GraphringError",
    "InputError",
    "Investigation",
    "MemoryStore",
    "PreviousRun",
    "Quality",
    "RunLockedError",
    "RunResult",
    "Settings",
    "Store",
    "StoreError",
    "__version__",
    "evaluate",
    "investigate",
    "load_settings",
    "open_run",
    "open_store",
    "read_dataset",
    "run_pipeline",
    "scheduled_run",
    "set_ring_status",
    "write_run",
    "write_sample",
]
