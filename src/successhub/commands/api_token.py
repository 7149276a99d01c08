"""``successhub api-token create USERNAME [--name N]``: issue an API token from the command line.

The token is printed once on stdout (only a hash is kept). ``list`` shows a user's tokens and
``revoke PREFIX`` revokes one; users manage their own tokens on their profile page (/me/tokens/).
"""

from __future__ import annotations

from successhub.cli import UsageError, setup_django


def register(subparsers) -> None:
    parser = subparsers.add_parser("api-token", help="create, list or revoke a user's API tokens")
    sub = parser.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="issue a token for USERNAME and print it once")
    create.add_argument("username")
    create.add_argument("--name", default="cli", help="what the token is for (default: cli)")
    create.set_defaults(handler=create_command)
    listing = sub.add_parser("list", help="a user's tokens (prefixes only)")
    listing.add_argument("username")
    listing.set_defaults(handler=list_command)
    revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
    revoke.add_argument("prefix")
    revoke.set_defaults(handler=revoke_command)


def _user(username: str):
    from successhub.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise UsageError(f"no user named {username!r}")
    return user


def create_command(args) -> int:
    setup_django()
    from successhub.accounts.services import TokenError, issue_api_token

    try:
        token = issue_api_token(_user(args.username), args.name)
    except TokenError as exc:
        raise UsageError(f"{exc.code}: {exc}") from None
    print(token)
    return 0


def list_command(args) -> int:
    setup_django()
    from successhub.accounts.selectors import api_tokens_for

    for token in api_tokens_for(_user(args.username)):
        state = f"revoked {token.revoked_at:%Y-%m-%dT%H:%M:%SZ}" if token.revoked_at else "active"
        print(f"shk_{token.prefix}_…\t{token.name}\t{state}")
    return 0


def revoke_command(args) -> int:
    setup_django()
    from successhub.accounts.models import ApiToken
    from successhub.accounts.services import revoke_api_token

    prefix = args.prefix.removeprefix("shk_").split("_", 1)[0]
    token = ApiToken.objects.filter(prefix=prefix).select_related("user").first()
    if token is None:
        raise UsageError(f"no token with prefix {prefix!r}")
    revoke_api_token(token.user, token.pk)
    print(f"revoked shk_{prefix}_… ({token.user.username})")
    return 0
