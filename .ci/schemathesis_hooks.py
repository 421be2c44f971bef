"""schemathesis hooks of .ci/schemathesis.

The document states every rule of a request's form: required fields, lengths, patterns, ranges,
enumerations. Some rules no schema can state: that a referenced record exists, that a region or
industry code is in the GB/T 2260 or GB/T 4754 table, a credit code's check character, an opaque
cursor, rules between fields. A request of the right form can break them, and the server answers
422 naming the field and the rule. `positive_data_acceptance` is told to expect 422 (see
schemathesis.toml); this check then fails a well-formed request answered 422 for any rule but
these, so a rule of form missing from the document is still found.
"""

import re

import schemathesis
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# Problem `errors[].code`s of rules no schema can state.
SEMANTIC_CODES = {
    "unknown_reference",  # the referenced record does not exist
    "invalid_region_code",  # six digits, but not a GB/T 2260 division
    "invalid_industry_code",  # of the form, but not a GB/T 4754-2017 code
    "invalid_credit_code",  # 18 characters, but a wrong check character or authority
    "invalid_cursor",  # hex, but not a cursor the API gave out
    "role_mismatch",  # the role does not suit the organisation's kind
    "cycle",  # a parent below the record itself
    "duplicate",  # one chain node listed twice
    "before_start",  # an agreement expiring before it was signed
    "in_the_past",  # a client's expiry
    "not_a_party",  # a supply link not involving the enterprise in the path
    "same_enterprise",  # an enterprise supplying itself
    "self_lockout",  # an administrator deactivating or demoting themselves
    "wrong_password",  # the current password
    "unchanged",  # a new password equal to the current one
}

# (field, code) pairs of rules between fields.
SEMANTIC_FIELDS = {
    ("region_code", "required"),  # a county needs its region code
    ("source_agency_id", "required"),  # the bureau names the agency of a batch item
    # The list query is shared by the five library resources; each takes only its own values
    # of these (and a resource without the field takes none).
    ("status", "invalid_value"),
    ("priority", "invalid_value"),
    ("kind", "invalid_value"),
}

# An integer written as a float (`3.0`): JSON Schema's `integer` takes it, the server reads
# integers written without a fraction or exponent. (A well-formed request holds only integral
# values there; the server's message may show a large one rounded.)
INTEGRAL_FLOAT = re.compile(r"invalid type: floating point `[^`]+`, expected [ui][0-9]+")

# Problem `code`s a well-formed token request may get: the credentials do not exist.
TOKEN_CODES = {"invalid_grant"}


@schemathesis.check
def rejected_only_for_rules_no_schema_states(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if is_unexpected_http_status_case(case) or response.status_code not in (400, 422):
        return None
    try:
        problem = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a problem body")
    if response.status_code == 400:
        # Only the token endpoint expects 400 of well-formed requests (see schemathesis.toml).
        if case.operation.path != "/api/v1/auth/token" or problem.get("code") in TOKEN_CODES:
            return None
        raise AssertionError(
            f"a well-formed token request answered 400 {problem.get('code')}: {problem.get('detail')}"
        )
    errors = problem.get("errors") or []
    broken = [
        e
        for e in errors
        if e.get("code") not in SEMANTIC_CODES
        and (e.get("field"), e.get("code")) not in SEMANTIC_FIELDS
        and not (e.get("code") == "invalid_value" and INTEGRAL_FLOAT.fullmatch(e.get("message", "")))
    ]
    if broken or not errors:
        listed = "; ".join(f"{e.get('field')}: {e.get('code')} ({e.get('message')})" for e in broken)
        raise AssertionError(
            "a well-formed request answered 422 for a rule of form the document does not state: "
            + (listed or str(problem.get("detail")))
        )
    return None
