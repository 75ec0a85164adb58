"""The hipdx REST service: FastAPI routes over the engine and the store (no domain logic here).

`create_app` builds the application; `hipdx serve` runs it with uvicorn.
"""

from __future__ import annotations

from hipdx.service.app import app_from_environment, create_app
from hipdx.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "app_from_environment", "create_app"]
