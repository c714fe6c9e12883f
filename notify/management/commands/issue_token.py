"""Issue an API token from the command line, printing its secret once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.models import ApiToken


class Command(BaseCommand):
    help = (
        "Issue an API token acting as <username> and print its secret once (only its digest "
        "is stored). The same rules as tokens issued in the admin: an active user, a name."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="Which system uses this token.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"No user {username!r}.")
        if not owner.is_active:
            raise CommandError(f"The user {username!r} is not active: its token would not work.")
        token = ApiToken(owner=owner, name=name.strip())
        token.set_secret(ApiToken.new_secret())
        try:
            token.full_clean()
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(problems) from None
        token, secret = ApiToken.issue(owner, token.name)
        self.stderr.write(f"Token {token.name!r} for {username} (shown once, store it now):")
        self.stdout.write(secret)
