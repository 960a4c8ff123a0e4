"""The whole job in one process, in CPU seconds: what a run costs, whatever else the
machine is doing (wall seconds on a shared machine say more about the neighbours).

    python benchmarks/one_process.py DATA                 # this checkout
    python benchmarks/one_process.py DATA --out /tmp/run  # keep the run folder
    PYTHONPATH=/path/to/other/checkout python benchmarks/one_process.py DATA  # "before"

Runs ``run_pipeline`` with ``workers=1`` (no forked or background process), then writes
the run folder with every packet, and prints the CPU seconds of each part
(``time.process_time``), the stages' wall seconds (``RunResult.timings``) and the
process's largest resident set. Benchmarks never fail on time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="a data folder")
    parser.add_argument("--out", help="the run folder (default: a temporary one, removed)")
    args = parser.parse_args()

    import graphring
    from graphring.config import load_settings
    from graphring.pipeline import run_pipeline
    from graphring.rundir.write import write_run_into

    settings = load_settings().replace(workers=1)
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_pipeline(args.data, settings)
    cpu_pipeline, wall_pipeline = time.process_time() - cpu, time.perf_counter() - wall
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="graphring-run-"))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    wall, cpu = time.perf_counter(), time.process_time()
    write_run_into(result, out)
    cpu_folder, wall_folder = time.process_time() - cpu, time.perf_counter() - wall
    if not args.out:
        shutil.rmtree(out)
    print(
        json.dumps(
            {
                "graphring": str(Path(graphring.__file__).parent),
                "rings": len(result.rings),
                "pipeline_cpu_s": round(cpu_pipeline, 1),
                "pipeline_wall_s": round(wall_pipeline, 1),
                "run_folder_cpu_s": round(cpu_folder, 1),
                "run_folder_wall_s": round(wall_folder, 1),
                "total_cpu_s": round(cpu_pipeline + cpu_folder, 1),
                "stages_wall_s": {k: round(v, 1) for k, v in result.timings.items()},
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
