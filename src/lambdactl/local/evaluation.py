"""How AWS decides a role session's request within one account, from what each kind of
policy says of it (pure: local/statements.py says it for each policy).

AWS's rules, from the IAM User Guide ("Policy evaluation logic"; "How AWS enforcement code
logic evaluates requests to allow or deny access"; "Permissions boundaries for IAM
entities"; "Session policies"):

- an explicit Deny in any of them (identity-based policies, the resource's own policy, the
  role's permissions boundary, the session policies) denies;
- a resource-based policy's Allow naming the role session's ARN grants by itself
  (permissions granted directly to a session are not limited by an implicit deny in an
  identity-based policy, a permissions boundary or a session policy); one naming the role's
  ARN (or "*") grants unless the permissions boundary or the session policies do not allow
  (they are limited by an implicit deny there); one naming the account leaves it to the
  role's own policies;
- else the identity-based policies must allow, and the permissions boundary (where the role
  has one: identity ∩ boundary), and the session policies (where the session was made with
  any: role ∩ session);
- a role's trust policy is the exception: it must allow sts:AssumeRole itself (REQUIRED).

The words of a denial are those AWS's services now put in AccessDenied messages
("Troubleshoot access denied error messages"): "with an explicit deny in an identity-based
policy", "because no permissions boundary allows the s3:GetObject action", ...
"""

from __future__ import annotations

from dataclasses import dataclass

# What each kind of policy is called in AWS's AccessDenied messages, in the order named.
KINDS = {"identity": "identity-based policy", "resource": "resource-based policy",
         "boundary": "permissions boundary", "session": "session policy"}


@dataclass(frozen=True)
class Said:
    """What each kind of policy says of one request: "allow", "deny" or "" (nothing).
    RESOURCE, the resource's own policy: "deny", "session" (an Allow naming the role
    session), "role" (naming its role, or "*"), "account" (naming the account) or "".
    BOUNDARY, SESSION: None where the role has no permissions boundary, or the session no
    session policy."""

    identity: str
    resource: str = ""
    boundary: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Denial:
    explicit: bool
    kind: str   # a key of KINDS

    def words(self, action: str) -> str:
        name = KINDS[self.kind]
        if self.explicit:
            return f"with an explicit deny in {'an' if name[0] in 'aeiou' else 'a'} {name}"
        return f"because no {name} allows the {action} action"


def denial(said: Said, required: bool = False) -> Denial | None:
    """Why AWS denies the request SAID describes, or None where it allows it. REQUIRED: the
    resource's policy must allow (a role's trust policy, on AssumeRole)."""
    for kind in KINDS:
        if getattr(said, kind) == "deny":
            return Denial(True, kind)
    if said.resource == "session":
        return None
    limits = [Denial(False, kind) for kind in ("boundary", "session") if getattr(said, kind) not in (None, "allow")]
    if said.resource == "role":
        return limits[0] if limits else None
    if required and said.resource != "account":
        return Denial(False, "resource")
    if said.identity != "allow":
        return Denial(False, "identity")
    return limits[0] if limits else None
