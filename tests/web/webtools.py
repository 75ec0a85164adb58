"""What the browser tests share: the server they drive and the look at each page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from hipdx.service.local import LocalServer, start_server


@dataclass
class WebServer:
    """The server the browser tests share, and how to restart it on the same database."""

    database_url: str
    folder: Path
    server: LocalServer

    @property
    def url(self) -> str:
        return self.server.url

    def restart(self) -> None:
        self.server.stop()
        self.server = start_server(self.database_url, log=self.folder / "server.log")


@dataclass
class Look:
    """Save a screenshot of the page and check it with axe-core."""

    folder: Path
    test: str
    seen: list[str] = field(default_factory=list)

    def __call__(self, page: object, name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        stem = f"{self.test}-{len(self.seen) + 1:02d}-{name}"
        page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True)  # type: ignore[attr-defined]
        self.seen.append(stem)
        results = Axe().run(page)
        found = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]]
        (self.folder / f"{stem}.axe.json").write_text(json.dumps(found))
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"accessibility violations on {name}: {bad}"
