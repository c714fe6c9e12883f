"""A way back in: regional staff and administrators reset an office account's password.

Office staff cannot reset anyone's password. Regional (Kanwil) staff reset the passwords of
office accounts whose offices are all in their region; superusers any account but another
superuser's (that stays with ``manage.py changepassword``). Each reset is written to the
admin log, so the audit view shows who reset whose password and when, and the account's
login lockout (django-axes) is lifted.
"""

from __future__ import annotations

from axes.utils import reset as reset_lockouts
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from offices.models import Office

User = get_user_model()


def may_reset_passwords(user) -> bool:
    """Whether ``user`` may reset other accounts' passwords at all."""
    return user.is_active and (user.is_superuser or user.region_memberships.exists())


def resettable_accounts(user) -> QuerySet:
    """The office accounts whose password ``user`` may reset."""
    if not may_reset_passwords(user):
        return User.objects.none()
    accounts = User.objects.filter(is_superuser=False).exclude(pk=user.pk)
    if user.is_superuser:
        return accounts.order_by("username")
    scope = Office.objects.for_user(user)
    elsewhere = Office.objects.exclude(pk__in=scope.values("pk"))
    # Office accounts only (no regional ones), and only if every office of theirs is in scope.
    return (
        accounts.filter(office_memberships__office__in=scope, region_memberships__isnull=True)
        .exclude(office_memberships__office__in=elsewhere)
        .distinct()
        .order_by("username")
    )


def staff_accounts_view(request: HttpRequest) -> HttpResponse:
    """The office accounts the user may help back in, each with its offices."""
    if not may_reset_passwords(request.user):
        raise PermissionDenied
    accounts = resettable_accounts(request.user).prefetch_related("office_memberships__office")
    context = {
        **admin.site.each_context(request),
        "title": _("Staff accounts"),
        "accounts": accounts,
    }
    return TemplateResponse(request, "admin/staff_accounts.html", context)


def reset_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a new password for an office account, audited; the old one stops working."""
    if not may_reset_passwords(request.user):
        raise PermissionDenied
    account = get_object_or_404(resettable_accounts(request.user), pk=pk)
    form = SetPasswordForm(account, request.POST if request.method == "POST" else None)
    if form.is_valid():
        form.save()
        reset_lockouts(username=account.get_username())
        message = _("Password reset by %(user)s; login lockouts lifted.") % {
            "user": request.user.get_username()
        }
        admin.site._registry[User].log_change(request, account, message)
        messages.success(
            request,
            _("The password of %(account)s is reset. Give it to them in person or by phone.")
            % {"account": account.get_username()},
        )
        return HttpResponseRedirect(reverse("admin:staff_accounts"))
    context = {
        **admin.site.each_context(request),
        "title": _("Reset the password of %(account)s") % {"account": account.get_username()},
        "account": account,
        "form": form,
    }
    return TemplateResponse(request, "admin/staff_password.html", context)
