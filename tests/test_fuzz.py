"""schemathesis against the served OpenAPI document: anonymous, signed in as a registrant and
as a registrar, positive and negative examples of every operation; zero server errors.

The app is served by uvicorn on 127.0.0.1 (its own thread and event loop, over the demo
data), and schemathesis calls it over HTTP as any client would. Bounded (about a minute on
the 2-core machine): anonymous callers get 12 of schemathesis' deterministic boundary cases
per operation, spread over its list; a registrant 2 random valid examples, a registrar 2
valid and 2 invalid ones. It samples: a bug behind one rare parameter value may pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from sqlalchemy.ext.asyncio import AsyncSession

from registry.app import create_app
from registry.settings import Settings
from tests.lobbying_support import account
from tests.served_support import served as serve_app

EXAMPLES = 2  # random examples per operation, role and mode
COVERAGE_CASES = 12  # boundary cases per operation


@pytest.fixture
def served(settings: Settings, database_url: str) -> Iterator[str]:
    with serve_app(create_app(settings, database_url), log_level="warning") as url:
        yield url


@pytest.fixture
async def roles(session: AsyncSession, settings: Settings,
                demo: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "registrant": await account(session, settings, "fuzz-member@example.org",
                                    registrant_ids=(1,)),
        "registrar": await account(session, settings, "fuzz-registrar@example.org",
                                   "registrar"),
    }


def _fuzz(served: str, strategy: Any, role: str, headers: dict[str, str],
          failures: list[str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(base_url=served, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{role} {case.method} {case.formatted_path} {case.query} -> "
                            f"{response.status_code} {response.text[:200]}")

    try:
        run()
    except Exception as exc:  # an operation no example satisfies is not a server error
        if "Unsatisfiable" not in type(exc).__name__:
            raise


def _check(role: str, case: Any, served: str, headers: dict[str, str],
           failures: list[str]) -> None:
    response = case.call(base_url=served, headers=headers, timeout=30)
    if response.status_code >= 500:
        failures.append(f"{role} {case.method} {case.formatted_path} {case.query} -> "
                        f"{response.status_code} {response.text[:200]}")


def test_no_server_errors_for_any_role(served: str,
                                       roles: dict[str, dict[str, str]]) -> None:
    schema = schemathesis.openapi.from_url(f"{served}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()
                  if isinstance(result, Ok)]
    assert len(operations) >= 40
    failures: list[str] = []
    both = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    for operation in operations:
        # Anonymous: schemathesis' deterministic boundary cases (missing and extra
        # parameters, empty and huge values, wrong types, NUL bytes...), a few per operation.
        config = schema.config.generation_for(operation=operation)
        cases = list(schema.iter_coverage_cases(operation, generation_modes=both,
                                                generation_config=config))
        # Spread over the list: it varies one parameter at a time, in order.
        for case in cases[::max(1, len(cases) // COVERAGE_CASES)][:COVERAGE_CASES]:
            _check("anonymous", case, served, roles["anonymous"], failures)
        # Signed in: random valid examples go deepest with each role's rights; the
        # registrar also gets random invalid ones.
        for role, modes in (("registrant", both[:1]), ("registrar", both)):
            for mode in modes:
                _fuzz(served, operation.as_strategy(generation_mode=mode), role,
                      roles[role], failures)
    assert not failures, "\n".join(failures[:30])
