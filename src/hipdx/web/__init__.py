"""The web page: start, body map, interview, clinician note reader, results, PDF reports.

Server-rendered (Jinja2 templates, a small script for the body map, all served from the
package: nothing is fetched from the network). `mount_web` adds the pages to the service's
application; interviews and results go to the same store and audit trail as the API's.
"""

from __future__ import annotations

from hipdx.web.access import is_loopback
from hipdx.web.app import mount_web

__all__ = ["is_loopback", "mount_web"]
