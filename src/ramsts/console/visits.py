"""One request to a console page, and the wrappers that turn page functions into endpoints.

A page is a plain synchronous function ``page(visit) -> Response``. Its wrapper opens the session
cookie, sends a visitor who is not at the right stage to the sign-in page, checks the CSRF token
of every POST, reads the form, and runs the page in a worker thread (actions reach the database),
so no page repeats any of that. A :class:`~ramsts.errors.RamstsError` a page does not handle
itself becomes an error page with the service's code and message — and, for a denial, why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ramsts.caller import Caller
from ramsts.console.principal import session_caller
from ramsts.console.problems import Problem, describe_error
from ramsts.console.sessions import Session, Stage, anonymous_session
from ramsts.console.site import Site
from ramsts.console.trail import recorded_operation
from ramsts.errors import RamstsError
from ramsts.ram.listing import MOST_ITEMS, Listing
from ramsts.ram.service import RamService
from ramsts.ram.sign_in_sessions import MESSAGES as SESSION_ENDED
from ramsts.ram.sign_in_sessions import SignedInSession
from ramsts.store import Page as ListedPage

In = TypeVar("In")
Item = TypeVar("Item")
Out = TypeVar("Out")
UseCase = Callable[[RamService, Caller, In], Out]
"""A RAM use case (:mod:`ramsts.ram.users`…): the service, the caller, the typed input."""

Page = Callable[["Visit"], Response]
Endpoint = Callable[[Request], Awaitable[Response]]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class Visit:
    """What a page function gets: the request, its session and form, and the caller to act as."""

    request: Request
    site: Site
    session: Session
    form: list[tuple[str, str]] = field(default_factory=list)
    caller: Caller | None = None
    new_session: Session | None = None
    """A session to set on the response (sign-in steps, a fresh anonymous one)."""
    notice: str = ""
    notice_sent: bool = False

    @property
    def base(self) -> str:
        """The path the console is mounted at (``/console``)."""
        return str(self.request.scope.get("root_path", ""))

    @property
    def principal(self) -> Caller:
        if self.caller is None:
            raise RuntimeError("this page runs only for a signed-in session")
        return self.caller

    def field(self, name: str) -> str:
        return next((value for key, value in self.form if key == name), "").strip()

    def fields(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]

    def query(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def act(self, use_case: UseCase[In, Out], given: In) -> Out:
        """Run ``use_case`` as the signed-in principal, in a transaction of its own (a form's
        is on the audit trail, written with the change it makes)."""
        with recorded_operation(self, use_case):
            return use_case(self.site.ram, self.principal, given)

    def attempt_to(
        self, use_case: UseCase[In, Out], given: In
    ) -> tuple[Out | None, Problem | None]:
        """:meth:`act`; on failure ``None`` and the problem, for a page that shows what it may
        read and says why it may not read the rest."""
        try:
            return self.act(use_case, given), None
        except RamstsError as error:
            return None, self.problem(error)

    def every(
        self, list_use_case: UseCase[Listing, ListedPage[Item]], *, page_size: int = MOST_ITEMS
    ) -> list[Item]:
        """Every item of a listing use case (:func:`ramsts.ram.users.list_users`…), page after
        page (of ``page_size``: at most what the listing documents)."""
        found: list[Item] = []
        marker = None
        while True:
            page = self.act(list_use_case, Listing(marker, page_size))
            found.extend(page.items)
            if not (page.is_truncated and page.marker):
                return found
            marker = page.marker

    def problem(self, error: RamstsError) -> Problem:
        return describe_error(error, self.site.ram, self.principal)

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        current = self.new_session or self.session
        html = self.site.renderer.render(
            template,
            base=self.base,
            caller=self.caller,
            session=current,
            csrf_token=current.csrf_token,
            notice=self.notice,
            path=self.request.url.path,
            **context,
        )
        return self._finish(Response(html, status_code=status, media_type="text/html"))

    def redirect(self, to: str, *, notice: str = "") -> Response:
        """See-other to ``to`` (a path under the console); ``notice`` shows once there."""
        response = RedirectResponse(self.base + to, status_code=303)
        if notice:
            self.site.cookies.set_notice(response, self.request, notice)
            self.notice_sent = True
        return self._finish(response)

    def _finish(self, response: Response) -> Response:
        if self.new_session is not None:
            self.site.cookies.set_session(response, self.request, self.new_session)
        return response


def signed_in_page(site: Site, page: Page) -> Endpoint:
    """A page for a signed-in session; anyone else is sent to sign in first."""

    async def endpoint(request: Request) -> Response:
        now = site.clock()
        session = site.cookies.session(request, now)
        peer_ip = request.client.host if request.client else ""
        if session is None or not session.signed_in:
            expired = session is None and site.cookies.session_expired(request, now)
            notice = SESSION_ENDED["Expired"] if expired else ""
            visit = Visit(request, site, session or anonymous_session(now))
            return _to_sign_in(visit, notice)
        try:
            ended = await run_in_threadpool(
                site.sessions.check, _signed_in(session), source_ip=peer_ip, now=now
            )
        except RamstsError as error:  # the store could not say (ServiceUnavailable)
            return _problem_page(Visit(request, site, session), error)
        if ended is not None:
            visit = Visit(request, site, anonymous_session(now))
            visit.new_session = visit.session  # the ended session's cookie is replaced
            return _to_sign_in(visit, SESSION_ENDED[ended])
        caller = session_caller(
            session,
            peer_ip=peer_ip,
            secure=request.url.scheme == "https",
            user_agent=request.headers.get("user-agent", ""),
            now=now,
        )
        return await _serve(request, site, page, Visit(request, site, session, caller=caller))

    return endpoint


def _to_sign_in(visit: Visit, notice: str) -> Response:
    """To the sign-in page, and back to the page asked for afterwards."""
    request = visit.request
    query = f"?{request.url.query}" if request.url.query else ""
    return visit.redirect(f"/signin?next={quote(request.url.path + query)}", notice=notice)


def _signed_in(session: Session) -> SignedInSession:
    return SignedInSession(
        account_id=session.account_id,
        user_id=session.user_id if session.identity_type == "RAMUser" else None,
        credential=session.credential,
        issued_at=session.issued_at,
    )


def step_page(site: Site, stages: tuple[Stage, ...], page: Page) -> Endpoint:
    """A page for sessions at one of ``stages`` (sign-in and its MFA and password steps);
    a session at no stage yet gets a fresh anonymous one."""

    async def endpoint(request: Request) -> Response:
        now = site.clock()
        session = site.cookies.session(request, now)
        visit = Visit(request, site, session or anonymous_session(now))
        if session is None:
            visit.new_session = visit.session
        if visit.session.stage not in stages:
            target = "/" if visit.session.signed_in else "/signin"
            return visit.redirect(target)
        return await _serve(request, site, page, visit)

    return endpoint


async def _serve(request: Request, site: Site, page: Page, visit: Visit) -> Response:
    visit.notice = site.cookies.notice(request)
    if request.method == "POST":
        form = await request.form()
        visit.form = [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        if not visit.session.csrf_matches(visit.field(CSRF_FIELD)):
            return visit.render("expired_form.html", status=403)
    response = await run_in_threadpool(_run_page, page, visit)
    if visit.notice and not visit.notice_sent:
        site.cookies.clear_notice(response, request)
    return response


def _run_page(page: Page, visit: Visit) -> Response:
    try:
        return page(visit)
    except RamstsError as error:
        # Decoding a denial is itself an action, so this stays in the worker thread.
        return _problem_page(visit, error)


def _problem_page(visit: Visit, error: RamstsError) -> Response:
    problem = (
        visit.problem(error)
        if visit.caller is not None
        else Problem(error.code, error.message, error.http_status)
    )
    return visit.render(
        "problem.html", status=problem.http_status, problem=problem, back=_referer(visit)
    )


def _referer(visit: Visit) -> str:
    """Where the failed form was, if it was a console page (never a link off-site)."""
    referer = visit.request.headers.get("referer", "")
    origin = f"{visit.request.url.scheme}://{visit.request.url.netloc}"
    if referer.startswith(origin + visit.base + "/"):
        return referer[len(origin) :]
    return ""


def form_fields(visit: Visit, *names: str) -> Mapping[str, str]:
    """The named form fields, for re-rendering a form after a refusal."""
    return {name: visit.field(name) for name in names}
