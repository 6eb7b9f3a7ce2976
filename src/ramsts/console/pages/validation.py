"""``POST /console/api/policy-check``: the policy editor's check as you type.

The editor sends ``{"document": "...", "kind": "identity" | "trust"}`` with the session's CSRF
token in the ``X-CSRF-Token`` header. The answer is the policy engine's own verdict — the
``PolicyError`` code, message and JSON pointer — plus where that is in the text (offsets, line
and column), so the editor can point at it. A valid policy's answer carries ``warnings``: the
console's advice (:mod:`ramsts.console.policy_advice`), each with its place and its ``fix``, the
text to put there. Checking a document reads nothing and changes nothing, so it needs a
signed-in session but no permission.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ramsts.console.pointers import Span, locate, syntax_error_span
from ramsts.console.policy_advice import Advice, advise
from ramsts.console.site import Site
from ramsts.console.visits import CSRF_HEADER
from ramsts.policy import PolicyError, parse_policy
from ramsts.wire_json import decode_json

KINDS = ("identity", "trust")
MAX_BODY = 64 * 1024


def check_policy(text: str, kind: str) -> dict[str, Any]:
    """The verdict on ``text`` as a policy of ``kind``; a valid identity policy's verdict
    carries the console's advice as ``warnings``, each with its fix."""
    try:
        policy = parse_policy(text, "trust" if kind == "trust" else "identity")
    except PolicyError as error:
        return refusal(text, error)
    if kind == "trust":
        return {"valid": True}
    return {"valid": True, "warnings": [_warning(text, a) for a in advise(text, policy)]}


def refusal(text: str, error: PolicyError) -> dict[str, Any]:
    """The verdict of ``error`` on ``text``: its code, message and pointer, and where that is
    in the text."""
    span = locate(text, error.pointer) if error.pointer else syntax_error_span(text)
    return {
        "valid": False,
        "code": error.code,
        "message": error.message,
        "pointer": error.pointer,
        **_position(text, span),
    }


def editor_verdict(verdict: dict[str, Any], text: str) -> dict[str, Any]:
    """``verdict`` on ``text`` as a page shows it in the editor: an error's place quoted (the
    text before it, the marked text, the text after)."""
    if verdict.get("valid") or "start" not in verdict:
        return verdict
    start, end = verdict["start"], verdict["end"]
    return {
        **verdict,
        "before": text[max(0, start - 40) : start],
        "marked": text[start : max(end, start + 1)][:200],
        "after": text[end : end + 40],
    }


def _warning(text: str, advice: Advice) -> dict[str, Any]:
    fix = {"fix": advice.replacement} if advice.span is not None else {}
    return {
        "code": advice.code,
        "message": advice.message,
        "pointer": advice.pointer,
        **_position(text, advice.span),
        **fix,
    }


def _position(text: str, span: Span | None) -> dict[str, int]:
    if span is None:
        return {}
    start, end = span
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return {"start": start, "end": end, "line": line, "column": column}


def routes(site: Site) -> list[BaseRoute]:
    async def policy_check(request: Request) -> Response:
        session = site.cookies.session(request, site.clock())
        if session is None or not session.signed_in:
            return JSONResponse({"error": "Sign in first."}, status_code=401)
        if not session.csrf_matches(request.headers.get(CSRF_HEADER, "")):
            return JSONResponse({"error": "The security token is missing or stale."}, 403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "The document is too large to check."}, 413)
        try:
            payload = decode_json(body.decode("utf-8"))
            text, kind = str(payload["document"]), str(payload.get("kind", "identity"))
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'Send {"document": "...", "kind": "identity"}.'}, 400)
        if kind not in KINDS:
            return JSONResponse({"error": f"kind must be one of {', '.join(KINDS)}."}, 400)
        return JSONResponse(check_policy(text, kind))

    return [Route("/api/policy-check", policy_check, methods=["POST"])]
