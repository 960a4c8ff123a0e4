"""The command line: a thin layer over the Python API. Exit 0 ok, 2 bad input or usage,
1 any other failure, 75 a scheduled run already holds the workspace lock."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from graphring.errors import GraphringError

log = logging.getLogger("graphring")


def _settings(config: str | None, **flags: Any) -> Any:
    from graphring.config import load_settings

    return load_settings(config, **flags)


def _summary(result: Any, out: Path) -> None:
    c = result.counts
    click.echo(
        f"{c['rings']} rings from {c['tables']['merchants']['loaded']} shops "
        f"({c['rejected_rows']} rows set aside in rejects.csv); engine {result.engine}"
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
        type=click.Choice(["memory", "neo4j"]),
        default=None,
        help="Where the graph lives (default memory; env GRAPHRING_BACKEND).",
    ),
    click.option("--neo4j-uri", default=None, help="Bolt URI (env NEO4J_URI)."),
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
]


def common(fn: Any) -> Any:
    for opt in reversed(_common):
        fn = opt(fn)
    return fn


def _store(settings: Any) -> Any:
    from graphring.stores import open_store

    return open_store(settings)


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
    from graphring.export import staged_dir, write_run_into
    from graphring.pipeline import run_pipeline
    from graphring.sample import write_sample

    settings = _settings(config, **flags)
    with staged_dir(out) as stage:
        info = write_sample(stage / "sample", n_shops=shops, seed=sample_seed)
        with _store(settings) as store:
            result = run_pipeline(info.data_dir, settings, store)
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
    from graphring.export import write_run
    from graphring.pipeline import run_pipeline

    settings = _settings(config, **flags)
    with _store(settings) as store:
        result = run_pipeline(data_dir, settings, store)
    write_run(result, out)
    _summary(result, Path(out))


@cli.command()
@click.argument("data_dir", type=click.Path())
@common
def load(data_dir: str, config: str | None, **flags: Any) -> None:
    """Load only (idempotent: loading the same folder twice changes nothing)."""
    from graphring.contract import read_dataset

    settings = _settings(config, **flags)
    dataset = read_dataset(data_dir, settings.default_region, settings.processes())
    with _store(settings) as store:
        counts = store.load(dataset)
    rejected = dataset.rejects.drop_duplicates(["file", "line"]).shape[0]
    click.echo(
        f"loaded into {settings.backend}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; {rejected} rows set aside"
    )
    if rejected:
        click.echo("rows set aside (file, line, column, reason):")
        for r in dataset.rejects.head(20).itertuples(index=False):
            click.echo(f"  {r.file}:{r.line} {r.column}: {r.reason}")


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

    Exit 75 when another run holds the workspace lock.
    """
    from graphring.jobs import scheduled_run

    settings = _settings(config, **flags)
    if no_feedback:
        settings = settings.replace(feedback=False)
    with _store(settings) as store:
        outcome = scheduled_run(data_dir, workspace, settings, store)
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


def main() -> None:
    """Entry point: maps graphring's errors to exit statuses, with no traceback."""
    try:
        cli.main(standalone_mode=False)
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
