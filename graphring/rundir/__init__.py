"""The run folder: its writer (write.py), its reader (read.py) and where a run may write
(safety.py). Import the module you need; this package imports nothing itself, so the
packet writer can use its helpers without an import circle."""
