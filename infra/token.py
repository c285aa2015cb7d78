"""Mint a bearer token for local use: `make token ROLE=coordinator BRANCHES=brussels`.

Signed with DUO_JWT_SECRET (the local default unless set), valid 8 hours.
"""
from __future__ import annotations

import argparse

from shared.http.auth import ROLES, mint
from shared.settings import ServiceSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=ROLES, default="coordinator")
    parser.add_argument("--branches", default="brussels", help="comma-separated branch ids")
    parser.add_argument("--subject", default="local-coordinator")
    args = parser.parse_args()
    branches = [b.strip() for b in args.branches.split(",") if b.strip()]
    print(mint(ServiceSettings(), args.subject, args.role, branches))


if __name__ == "__main__":
    main()
