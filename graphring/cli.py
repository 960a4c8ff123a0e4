"""The command line: a thin layer over the Python API. Exit 0 ok, 2 bad input or usage,
1 any other failure, 75 another run holds the workspace lock or the Neo4j database."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from graphring.errors import GraphringError

log = logging.getLogger("graphring")


def _settings(config: str | None, **flags: Any) -> Any:
    from graphring.config import load_settings

    # an absent flag leaves the setting to the config file and environment
    flags["replace_data"] = flags.pop("replace", False) or None
    return load_settings(config, **flags)


def _summary(result: Any, out: Path) -> None:
    c = result.counts
    emptied = c.get("values_left_empty", 0)
    click.echo(
        f"{c['rings']} rings from {c['tables']['merchants']['loaded']} shops "
        f"({c['rejected_rows']} rows set aside in rejects.csv"
        + (f", {emptied} bad values left empty" if emptied else "")
        + f"); engine {result.engine}"
    )
    for ring in result.rings.head(5).itertuples(index=False):
        click.echo(
            f"  {ring.ring_id}  score {ring.ring_score:5.1f}  {ring.size:3d} shops  "
            f"{ring.provinces:2d} provinces  {ring.kinds}"
        )
    click.echo(f"run folder: {out}  (open {out / 'index.html'})")


_common = [
    click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file."),
    click.option(
        "--backend",
        type=click.Choice(["memory", "neo4j", "spark"]),
        default=None,
        help="Where the graph lives (default memory; env GRAPHRING_BACKEND).",
    ),
    click.option("--neo4j-uri", default=None, help="Bolt URI (env NEO4J_URI)."),
    click.option(
        "--spark-master",
        default=None,
        help="Spark master for --backend spark (default local[*]; env GRAPHRING_SPARK_MASTER).",
    ),
    click.option("--seed", type=int, default=None, help="Seed for community detection."),
    click.option("--resolution", type=float, default=None, help="Louvain resolution."),
    click.option("--min-ring-size", type=int, default=None, help="Smallest ring (default 3)."),
    click.option(
        "--detection",
        type=click.Choice(["local", "gds-louvain", "gds-leiden"]),
        default=None,
        help="Cut rings here (local) or inside Neo4j with GDS (needs --backend neo4j).",
    ),
    click.option(
        "--engine",
        type=click.Choice(["auto", "louvain", "igraph"]),
        default=None,
        help="Community detection engine (auto: igraph when installed).",
    ),
    click.option(
        "--replace",
        is_flag=True,
        default=False,
        help="Neo4j: let this load remove more than half of the shops the database holds "
        "(a load mirrors its data folder; without this such a load is refused).",
    ),
]


def common(fn: Any) -> Any:
    for opt in reversed(_common):
        fn = opt(fn)
    return fn


def _store(settings: Any) -> Any:
    from graphring.stores import open_store

    return open_store(settings)


def _detection(settings: Any, store: Any) -> Any:
    """Where rings are cut, chosen with the store: here, or inside Neo4j (``--detection``)."""
    from graphring.detect import detection_for

    return detection_for(settings, store)


@click.group()
@click.version_option(package_name="graphring")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def cli(verbose: bool) -> None:
    """graphring: find counterfeit seller rings through the infrastructure they share."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), default="demo-run", show_default=True)
@click.option(
    "--shops", type=int, default=6000, show_default=True, help="Size of the sample marketplace."
)
@click.option("--sample-seed", type=int, default=7, show_default=True)
@common
def demo(out: str, shops: int, sample_seed: int, config: str | None, **flags: Any) -> None:
    """Make the sample marketplace (with a planted 58-shop ring) and run the whole job.

    The sample's data and ground truth go to OUT/sample/, the run folder is OUT.
    """
    from graphring.pipeline import run_pipeline
    from graphring.rundir.safety import check_target
    from graphring.rundir.write import staged_dir, write_run_into
    from graphring.sample import write_sample

    settings = _settings(config, **flags)
    check_target(out)  # before the sample is made: a refused --out costs nothing
    with staged_dir(out) as stage:
        info = write_sample(stage / "sample", n_shops=shops, seed=sample_seed)
        with _store(settings) as store, store.exclusive():
            result = run_pipeline(
                info.data_dir, settings, store, detection=_detection(settings, store)
            )
        write_run_into(result, stage)
    _summary(result, Path(out))
    click.echo(
        f"sample data: {Path(out) / 'sample' / 'data'}  "
        f"ground truth: {Path(out) / 'sample' / 'truth'}"
    )


@cli.command()
@click.argument("data_dir", type=click.Path())
@click.option("--out", type=click.Path(file_okay=False), required=True)
@common
def detect(data_dir: str, out: str, config: str | None, **flags: Any) -> None:
    """Load, link, detect, score and export in one run."""
    from graphring.pipeline import run_pipeline
    from graphring.rundir.safety import check_target
    from graphring.rundir.write import write_run

    settings = _settings(config, **flags)
    check_target(out, data_dir)  # before any store is touched
    with _store(settings) as store, store.exclusive():
        result = run_pipeline(data_dir, settings, store, detection=_detection(settings, store))
    write_run(result, out, data_dir=data_dir)
    _summary(result, Path(out))


@cli.command()
@click.argument("data_dir", type=click.Path())
@common
def load(data_dir: str, config: str | None, **flags: Any) -> None:
    """Load only (idempotent: loading the same folder twice changes nothing)."""
    from graphring.contract import read_dataset, rows_set_aside
    from graphring.pipeline import run_date

    settings = _settings(config, **flags)
    today, _ = run_date(settings)
    dataset = read_dataset(data_dir, settings.default_region, settings.processes(), today)
    with _store(settings) as store, store.exclusive():
        counts = store.load(dataset)
    rejected = rows_set_aside(dataset.rejects)
    click.echo(
        f"loaded into {settings.backend}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; {rejected} rows set aside"
    )
    if len(dataset.rejects):
        click.echo("rejects (file:line column: reason, action):")
        for r in dataset.rejects.head(20).itertuples(index=False):
            click.echo(f"  {r.file}:{r.line} {r.column}: {r.reason}, {r.action}")


@cli.command()
@click.argument("data_dir", type=click.Path())
@click.option(
    "--workspace",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder that keeps runs, the latest pointer, decisions and the lock.",
)
@click.option(
    "--no-feedback",
    is_flag=True,
    help="Ignore investigators' verdicts when weighing identifier kinds (graphring/feedback.py).",
)
@common
def run(data_dir: str, workspace: str, config: str | None, no_feedback: bool, **flags: Any) -> None:
    """A scheduled run: detect, keep ring ids from the previous run, list what changed,
    alert on what deserves a look (WS/runs/<run_id>/alerts.jsonl), point WS/latest at it.

    Exit 75 when another run holds the workspace lock (or the Neo4j database).
    """
    from graphring.jobs import scheduled_run, workspace_lock

    settings = _settings(config, **flags)
    if no_feedback:
        settings = settings.replace(feedback=False)
    # the workspace lock first: a second run exits 75 without reaching for the store
    with workspace_lock(Path(workspace).resolve()), _store(settings) as store, store.exclusive():
        outcome = scheduled_run(data_dir, workspace, settings, store, lock_held=True)
    _summary(outcome.result, outcome.folder)
    changes = outcome.result.changes or {}
    if changes.get("previous_run"):
        click.echo(
            "since "
            + changes["previous_run"]
            + ": "
            + ", ".join(
                f"{len(changes[k])} {k}"
                for k in ["new", "grown", "shrunk", "merged", "split", "dissolved"]
            )
        )
    click.echo(f"{len(outcome.alerts)} alerts: {outcome.folder / 'alerts.jsonl'}")


@cli.group()
def ring() -> None:
    """Investigators' decisions on rings."""


@ring.command("status")
@click.argument("ring_id")
@click.argument("status", type=click.Choice(["open", "confirmed", "dismissed"]))
@click.option("--workspace", type=click.Path(file_okay=False), required=True)
@click.option("--note", default="", help="Why: shown in packets and kept in cases.jsonl.")
@click.option("--by", default=None, help="Who decided (default: the login name).")
def ring_status(ring_id: str, status: str, workspace: str, note: str, by: str | None) -> None:
    """Record a decision on RING_ID: open, confirmed or dismissed. A dismissed ring does not
    alert again unless it grows materially."""
    from graphring.jobs import set_ring_status

    case = set_ring_status(workspace, ring_id, status, note, by)
    click.echo(f"{ring_id}: {case['status']} by {case['by']} at {case['at']}")


def _member_command(action: str) -> Any:
    @click.argument("ring_id")
    @click.argument("merchant_id")
    @click.option("--workspace", type=click.Path(file_okay=False), required=True)
    @click.option("--note", default="", help="Why: shown in packets, kept in exclusions.jsonl.")
    @click.option("--by", default=None, help="Who decided (default: the login name).")
    def command(ring_id: str, merchant_id: str, workspace: str, note: str, by: str | None) -> None:
        from graphring.review import set_member

        line = set_member(workspace, ring_id, merchant_id, action, note, by)
        click.echo(
            f"{ring_id}: {merchant_id} {action}d by {line['by']} at {line['at']} "
            "(from the next run on)"
        )

    return command


ring.command(
    "exclude",
    help="Take MERCHANT_ID out of RING_ID from the workspace's next run on (its leads go with "
    "it unless other members use them); `ring include` undoes it.",
)(_member_command("exclude"))
ring.command("include", help="Put MERCHANT_ID back into RING_ID from the next run on.")(
    _member_command("include")
)


@cli.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.argument("ring_id")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The PDF to write.")
def report(run_dir: str, ring_id: str, out: str) -> None:
    """Print RING_ID's case report (its packet, in print layout) to a PDF through headless
    Chromium. Refuses a packet whose files no longer match its SHA256SUMS."""
    from graphring.report import write_report

    info = write_report(run_dir, ring_id, out)
    click.echo(f"{info['pdf']}: {info['pages']} pages, packet seal {info['seal']}")


def _leave_at_once() -> None:
    """End a command that succeeded without freeing, one by one, the millions of objects a
    big run holds (seconds at a million shops): its files are written and closed, its store
    closed; output and logs are flushed first. Not under Spark, whose JVM is stopped at exit."""
    if "pyspark" in sys.modules:
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    """Entry point: maps graphring's errors to exit statuses, with no traceback."""
    try:
        cli.main(standalone_mode=False)
        _leave_at_once()
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if e.exit_code == 2 else e.exit_code)
    except GraphringError as e:
        click.echo(f"graphring: error: {e}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug: one line by default, the traceback with -v
        log.info("traceback", exc_info=True)
        click.echo(
            f"graphring: internal error: {type(e).__name__}: {e} (rerun with -v for the traceback)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
