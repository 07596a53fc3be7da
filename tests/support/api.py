"""A test client that speaks the API and checks every answer against openapi.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from multidict import CIMultiDictProxy

from .openapi import check_response


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    text: str
    content_type: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Api:
    def __init__(self, client: TestClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def with_token(self, token: str | None) -> Api:
        return Api(self.client, token)

    async def request(self, method: str, path: str, *, json_body: Any = None, data: Any = None,
                      headers: dict[str, str] | None = None, token: str | None = ...,  # type: ignore[assignment]
                      check: bool = True, **params: Any) -> Reply:
        hdrs = dict(headers or {})
        use = self.token if token is ... else token
        if use:
            hdrs.setdefault("Authorization", f"Bearer {use}")
        kwargs: dict[str, Any] = {"headers": hdrs}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        if params:
            kwargs["params"] = params
        async with self.client.request(method, path, **kwargs) as resp:
            text = await resp.text()
            reply = Reply(resp.status, resp.headers, text, resp.content_type)
        if check:
            body = reply.json if reply.content_type.endswith("json") and text else text
            check_response(method, path.split("?")[0], reply.status, reply.content_type, body)
        return reply

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("POST", path, json_body=body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.request("PUT", path, json_body=body, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.request("DELETE", path, **kw)
