"""The server process for `bench_api_load`: the real app plus FastAPI's hello-world route
(`async def`, as in its tutorial) as the baseline, and the same route as a plain `def`.

The baseline lives only here, so the production API carries no benchmark endpoint.
"""

from __future__ import annotations

import sys

import uvicorn
from pydantic import BaseModel

from api.app import create_app
from graph.config import Settings


class Hello(BaseModel):
    message: str


def main() -> None:
    app = create_app(Settings())

    @app.get("/hello")
    async def hello() -> Hello:
        return Hello(message="hello")

    @app.get("/hello-sync")
    def hello_sync() -> Hello:  # the same in a plain `def`, run in FastAPI's thread pool
        return Hello(message="hello")

    # Starlette tries routes in order: put the baseline first so that it does not pay for
    # matching the app's ~100 routes (GET /persons/{id} is among the first few), which
    # would make it slower and flatter the ratio.
    baseline = [r for r in app.router.routes if getattr(r, "path", "").startswith("/hello")]
    app.router.routes[:] = baseline + [r for r in app.router.routes if r not in baseline]
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
