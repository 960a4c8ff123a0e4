"""graphring: find counterfeit seller rings through the infrastructure their shops share.

The public API is exactly ``__all__``; the command line (``graphring``) is a thin layer
over it.

>>> import graphring
>>> sorted(graphring.__all__)[:3]
['ConfigError', 'Dataset', 'GraphringError']
"""

from __future__ import annotations

from graphring.config import Settings, load_settings
from graphring.contract import Dataset, read_dataset
from graphring.errors import ConfigError, GraphringError, InputError, RunLockedError, StoreError
from graphring.evaluate import Quality, evaluate
from graphring.investigation import Investigation, investigate, open_run
from graphring.jobs import scheduled_run, set_ring_status
from graphring.pipeline import PreviousRun, RunResult, run_pipeline
from graphring.rundir.write import write_run
from graphring.sample import write_sample
from graphring.stores import MemoryStore, Store, open_store
from graphring.version import __version__

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
