"""`hipdx serve`: the REST API under uvicorn (127.0.0.1:8000 unless told otherwise)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from hipdx.cli._io import fail


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes.")] = 1,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL (default: HIPDX_DATABASE_URL, else SQLite)."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Folder of the SQLite database (default: ./data).")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log each request line.")] = True,
) -> None:
    """Serve the API; refuses to start when the database schema is not current."""
    import uvicorn
    from pydantic import ValidationError

    from hipdx.service.settings import ServiceSettings
    from hipdx.store import StoreError, open_engine, require_head
    from hipdx.web.access import is_loopback

    if database_url:
        os.environ["HIPDX_DATABASE_URL"] = database_url
    if data_dir:
        os.environ["HIPDX_DATA_DIR"] = str(data_dir)
    try:
        settings = ServiceSettings()
    except ValidationError as exc:
        fail(f"bad setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    if settings.web and settings.web_access_code is None and not is_loopback(host):
        fail(
            f"serving on {host}, the web page needs a setting for who may use it: set "
            "HIPDX_WEB_ACCESS_CODE (8 characters or more) or turn the page off with HIPDX_WEB=false"
        )
    engine = open_engine(settings.url, create_folder=True)
    try:
        require_head(engine, where=settings.safe_url)
    except StoreError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    uvicorn.run(
        "hipdx.service:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        server_header=False,
    )
