"""The app's Flask class: hooks and views run as Flask would run them."""

from __future__ import annotations

import functools

import pytest
from flask import Flask

from app.factory import ServiceFlask


def plain(value: int) -> int:
    """A plain function."""
    return value


async def coroutine() -> None:
    """An `async def` (the app has none; Flask needs asgiref to run one)."""


def test_plain_functions_run_as_they_are(app: Flask) -> None:
    assert isinstance(app, ServiceFlask)
    assert app.ensure_sync(plain) is plain


@pytest.mark.parametrize(
    "func",
    [coroutine, functools.partial(coroutine), functools.partial(plain, 1), "text".upper],
)
def test_anything_else_is_left_to_flask(app: Flask, func: object) -> None:
    assert isinstance(app, ServiceFlask)
    try:
        flask_says = Flask.ensure_sync(app, func)  # type: ignore[arg-type]
    except RuntimeError as error:  # async without asgiref: Flask refuses it the same way
        with pytest.raises(RuntimeError, match=str(error)[:30]):
            app.ensure_sync(func)  # type: ignore[arg-type]
    else:
        assert app.ensure_sync(func) == flask_says  # type: ignore[arg-type]


def test_every_hook_of_a_webhook_is_a_plain_function_or_method(app: Flask) -> None:
    hooks = [*app.before_request_funcs[None], *app.after_request_funcs[None]]
    assert all(app.ensure_sync(hook) is hook for hook in hooks)
