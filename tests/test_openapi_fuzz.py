"""Schemathesis against the served OpenAPI document, in-process through WSGI: generated requests
never cause a 5xx, and every response conforms to the document (status, content type, schema).

Bounded and derandomised (a fixed seed), so `make test` stays quick and repeatable. Requests
carry a member's API token, and half of them use a group and a proposal that exist, so that
generated calls reach past authentication and not-found into validation and the domain.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.openapi import OPERATIONS

EXAMPLES_PER_OPERATION = 15
# What the issue asks: no 5xx, and every response conforms to the document. (Schemathesis 4 can
# also insist that every schema-valid request is accepted; ranges such as a quorum within [0, 1]
# are not expressible in the document's types, so that check is not one of these.)
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_headers_conformance,
          schemathesis.checks.response_schema_conformance]


def test_every_operation_conforms_to_the_document(web, signed_in):
    headers, known = signed_in
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", web)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), use_known=st.booleans())
        def conforms(case, use_known):
            if use_known and case.path_parameters:
                case.path_parameters.update({k: v for k, v in known.items()
                                             if k in case.path_parameters})
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) == len(OPERATIONS)
