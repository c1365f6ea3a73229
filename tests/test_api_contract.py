"""Contract fuzzing: schemathesis sends generated requests to the v1 API on a live server and
checks that no answer is a 5xx and that every answer is one the OpenAPI document declares, in
the declared shape.

It runs schemathesis's command line (`st run`) against pytest-django's live server: the
command line's report is what a developer reads when it fails, and it runs the same way against
a server started by hand (see the README, "Testing"). Bounded and repeatable: a fixed seed, at
most EXAMPLES generated cases an operation in the fuzzing phase, the coverage phase's boundary
cases, no stored examples between runs.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from vuoro.network.models import StaffAssignment
from vuoro.network.roles import CLERK

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 20
SEED = 1
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
CSRF = "contractfuzzcontractfuzzcontract"  # a 32-character CSRF secret, sent as cookie and header


def _st_run(base_url: str, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/api/v1/openapi.json",
               "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "2",
               "--phases", "examples,coverage,fuzzing", "--checks", CHECKS, "--generation-database", "none",
               "--request-timeout", "20", "--no-color", *extra]
    # Run in an empty folder: schemathesis reads a schemathesis.toml there and may write reports.
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)


def _report(result: subprocess.CompletedProcess) -> str:
    return f"schemathesis exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_no_answer_of_the_api_is_a_server_error_or_undeclared(live_server, smoke_network, tmp_path):
    """Every operation, as integrators call it; the staff operations as a clerk of the point, logged
    in (a session cookie and a CSRF token, which the public operations ignore; the anonymous
    answers of the staff operations are in the access matrix, tests/access/)."""
    clerk = User.objects.create_user("fuzz-clerk", password="unused-password", is_staff=True)
    clerk.groups.add(Group.objects.get(name=CLERK))
    StaffAssignment.objects.create(user=clerk, service_point_id="smoke-point")
    client = Client()
    client.force_login(clerk)
    session = client.cookies["sessionid"].value
    result = _st_run(live_server.url, tmp_path, "--header", f"Cookie: sessionid={session}; csrftoken={CSRF}",
                     "--header", f"X-CSRFToken: {CSRF}")
    if result.returncode != 0 or " passed" not in result.stdout:  # a failure, or no case run at all
        pytest.fail(_report(result), pytrace=False)
