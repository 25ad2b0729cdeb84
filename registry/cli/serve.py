"""``registry serve``: the API and pages."""

from __future__ import annotations

import click

from .context import Context, pass_context, run_async


@click.command("serve")
@click.option("--demo", is_flag=True, help="Load the bundled demo data (once).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Serving processes (default: one per core).")
@pass_context
def serve(ctx: Context, demo: bool, host: str, port: int, workers: int | None) -> None:
    """Serve the API and pages."""
    from registry.serve import default_workers
    from registry.serve import serve as run_server

    db = ctx.database()
    if demo:
        from registry.demo.load import link_demo, load_demo
        from registry.links.jobs import describe

        loaded = run_async(load_demo(db.url))
        click.echo("Demo data loaded." if loaded else "Demo data already present.", err=True)
        if loaded:  # once, like the loading: links and `behind` answers from the start
            click.echo(f"Demo {describe(run_async(link_demo(db.url, ctx.settings)))}.",
                       err=True)
    workers = workers or default_workers()
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s)  "
               f"(API docs: http://{host}:{port}/schema)", err=True)
    run_server(ctx.settings, db.url, host=host, port=port, workers=workers)
