"""The advisories' admin: office-scoped, with their timeline, shared advisories split per
office when office staff act on them, and ending one as a visible action."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from offices.admin import OfficeScopedAdmin, ScopedOfficesFilter
from offices.models import Office
from services import states
from services.admin import look_badge, state_badge
from services.admin.display import confirm_action, datetime_field
from services.overrides import check_offices_scope
from services.snapshot import recompute

from .choices import AdvisoryPhase
from .models import Advisory, AdvisoryUpdate


def local_moment(moment) -> str:
    """A moment in the active time zone, with the zone's name (WIB, WITA, WIT)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H.%M %Z}" if moment else "—"


class AdvisoryUpdateInline(admin.StackedInline):
    """The timeline: entries are added, never edited or removed."""

    model = AdvisoryUpdate
    template = "admin/portal/advisory/timeline.html"
    extra = 0
    fields = ["phase", "body_id", "body_en", "actor", "moment"]
    readonly_fields = ["actor", "moment"]
    can_delete = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("at"))
    def moment(self, obj: AdvisoryUpdate) -> str:
        return local_moment(obj.at)


class AdvisoryForm(forms.ModelForm):
    published_at = datetime_field(
        label=gettext_lazy("Published from"),
        required=False,
        help_text=gettext_lazy("Leave empty: a draft, not shown to the public."),
    )
    published_until = datetime_field(
        label=gettext_lazy("Published until"),
        required=False,
        help_text=gettext_lazy("Leave empty: until someone ends it."),
    )
    user = None  # set per request by AdvisoryAdmin.get_form

    class Meta:
        model = Advisory
        fields = [
            "title_id",
            "title_en",
            "body_id",
            "body_en",
            "severity",
            "phase",
            "offices",
            "systems",
            "published_at",
            "published_until",
        ]
        widgets = {
            "offices": forms.CheckboxSelectMultiple,
            "systems": forms.CheckboxSelectMultiple,
        }

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("published_at"), data.get("published_until")
        if end and not start:
            self.add_error(
                "published_at", _("Choose when publication starts, before when it ends.")
            )
        elif start and end and end <= start:
            self.add_error("published_until", _("Choose an end after the start."))
        if "offices" in self.fields and not self.user.is_superuser and not data.get("offices"):
            self.add_error("offices", _("Choose at least one office."))
        return data


class EndAdvisoryForm(forms.Form):
    """The last timeline entry of an advisory that ends."""

    body_id = forms.CharField(
        label=gettext_lazy("Closing note (Indonesian)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="Layanan kembali normal.",
    )
    body_en = forms.CharField(
        label=gettext_lazy("Closing note (English)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="Services are back to normal.",
        required=False,
    )


class PublicationFilter(admin.SimpleListFilter):
    title = gettext_lazy("publication")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        shown = (states.RecordState.DRAFT, states.RecordState.PUBLISHED, states.RecordState.OVER)
        return [(state.value, state.label(get_language())) for state in shown]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == states.RecordState.DRAFT:
            return queryset.filter(published_at__isnull=True)
        if self.value() == states.RecordState.PUBLISHED:
            return queryset.published(now)
        if self.value() == states.RecordState.OVER:
            return queryset.filter(published_until__lte=now)
        return queryset


@admin.register(Advisory)
class AdvisoryAdmin(OfficeScopedAdmin):
    """Advisories of the user's offices; one that also concerns other offices is read-only."""

    office_field = "offices"
    form = AdvisoryForm
    list_display = ["title_id", "severity_badge", "phase_word", "publication", "office_codes"]
    list_filter = [ScopedOfficesFilter, PublicationFilter, "severity", "phase"]
    search_fields = ["title_id", "title_en", "body_id", "body_en"]
    readonly_fields = ["created_by", "created_when", "updated_when"]
    fieldsets = [
        (gettext_lazy("Text"), {"fields": ["title_id", "title_en", "body_id", "body_en"]}),
        (gettext_lazy("Impact"), {"fields": ["severity", "phase", "offices", "systems"]}),
        (gettext_lazy("Publication"), {"fields": ["published_at", "published_until"]}),
        (gettext_lazy("Record"), {"fields": ["created_by", "created_when", "updated_when"]}),
    ]
    inlines = [AdvisoryUpdateInline]
    actions = ["publish_now", "end_advisories", "take_over"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("offices")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = type("AdvisoryForm", (AdvisoryForm,), {"user": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.within_scope(request, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # end the publication instead: what the public was told stays on record

    def change_view(self, request, object_id, form_url="", extra_context=None):
        advisory = self.get_object(request, object_id)
        can_end = (
            advisory is not None
            and self.has_change_permission(request)
            and not (advisory.phase == AdvisoryPhase.RESOLVED and advisory.published_until)
        )
        shared = advisory is not None and not self.within_scope(request, advisory)
        extra_context = {**(extra_context or {}), "can_end": can_end, "can_take_over": shared}
        return super().change_view(request, object_id, form_url, extra_context)

    def within_scope(self, request, obj: Advisory) -> bool:
        """Whether every office the advisory concerns is one the user may act on."""
        if request.user.is_superuser:
            return True
        offices = {o.pk for o in obj.offices.all()}
        allowed = set(Office.objects.for_user(request.user).values_list("pk", flat=True))
        return bool(offices) and offices <= allowed

    def save_model(self, request, obj, form, change):
        # The form offers only the user's offices; this refuses a crafted POST all the same.
        check_offices_scope(request.user, form.cleaned_data.get("offices") or [])
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        entries = formset.save(commit=False)
        for entry in entries:
            entry.actor, entry.at = request.user, timezone.now()
            entry.save()
        if entries:
            # The advisory is in the phase of its latest timeline entry.
            Advisory.objects.filter(pk=form.instance.pk).update(phase=entries[-1].phase)
            form.instance.phase = entries[-1].phase

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(actor=request.user)  # new bundle token: the public documents are rebuilt

    @admin.display(description=gettext_lazy("created at"))
    def created_when(self, obj: Advisory) -> str:
        return local_moment(obj.created_at)

    @admin.display(description=gettext_lazy("updated at"))
    def updated_when(self, obj: Advisory) -> str:
        return local_moment(obj.updated_at)

    @admin.display(description=gettext_lazy("severity"), ordering="severity")
    def severity_badge(self, obj: Advisory) -> SafeString:
        return state_badge(obj.severity, (states.AdvisorySeverity,))

    @admin.display(description=gettext_lazy("phase"), ordering="phase")
    def phase_word(self, obj: Advisory) -> str:
        phase = states.AdvisoryPhase.lookup(obj.phase)
        return phase.label(get_language()) if phase else obj.phase

    @admin.display(description=gettext_lazy("publication"), ordering="published_at")
    def publication(self, obj: Advisory) -> SafeString:
        now = timezone.now()
        if obj.published_at is None:
            return look_badge(states.RecordState.DRAFT)
        if obj.published_until is not None and obj.published_until <= now:
            return look_badge(states.RecordState.OVER)
        if obj.published_at > now:
            return look_badge(states.RecordState.SCHEDULED)
        return look_badge(states.RecordState.PUBLISHED)

    @admin.display(description=gettext_lazy("offices"))
    def office_codes(self, obj: Advisory) -> str:
        return ", ".join(o.code for o in obj.offices.all()) or _("all")

    def _changeable(self, request, queryset) -> list[Advisory]:
        """The advisories to act on: each whole, or the user's own share of it."""
        return [self.own_share(request, advisory) for advisory in queryset]

    def own_share(self, request, advisory: Advisory) -> Advisory:
        """``advisory`` if it concerns only the user's offices, else their share of it: their
        offices move to a copy, timeline and all, to act on as their own (as when a system's
        outage drafted one advisory for every office); the other offices keep the original."""
        if self.within_scope(request, advisory):
            return advisory
        share = split_advisory(advisory, Office.objects.for_user(request.user))
        offices = ", ".join(o.name for o in share.offices.all())
        self.log_addition(
            request,
            share,
            _("Split from advisory #%(pk)s for %(offices)s.")
            % {"pk": advisory.pk, "offices": offices},
        )
        self.log_change(
            request,
            advisory,
            _("%(offices)s moved to advisory #%(pk)s.") % {"pk": share.pk, "offices": offices},
        )
        self.message_user(
            request,
            _("“%(title)s” also concerns other offices: %(offices)s now have their own copy.")
            % {"title": advisory.title_id, "offices": offices},
        )
        return share

    @admin.action(description=gettext_lazy("Take over for my offices"), permissions=["change"])
    def take_over(self, request, queryset):
        """Give the user's offices their own copy of each advisory, to edit as their own."""
        rows = self._changeable(request, queryset)
        if len(rows) == 1:
            return HttpResponseRedirect(reverse("admin:portal_advisory_change", args=[rows[0].pk]))
        return None

    @admin.action(description=gettext_lazy("Publish now"), permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        rows = self._changeable(request, queryset)
        for advisory in rows:
            if advisory.published_at is None or advisory.published_at > now:
                advisory.published_at = now
            if advisory.published_until is not None and advisory.published_until <= now:
                advisory.published_until = None
            advisory.save(update_fields=["published_at", "published_until", "updated_at"])
            self.log_change(request, advisory, _("Published now."))
        recompute(actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d advisory published.", "%(count)d advisories published.", len(rows))
            % {"count": len(rows)},
        )

    @admin.action(description=gettext_lazy("End the advisory…"), permissions=["change"])
    def end_advisories(self, request, queryset):
        """Resolve advisories: a last timeline entry, the phase resolved, publication over."""
        queryset = queryset.exclude(phase=AdvisoryPhase.RESOLVED, published_until__isnull=False)

        def perform(data: dict) -> str:
            rows = self._changeable(request, queryset)
            for advisory in rows:
                end_advisory(advisory, data, actor=request.user)
                self.log_change(request, advisory, _("Ended: %(note)s") % {"note": data["body_id"]})
            recompute(actor=request.user)
            return ngettext(
                "%(count)d advisory ended.", "%(count)d advisories ended.", len(rows)
            ) % {"count": len(rows)}

        return confirm_action(
            self,
            request,
            queryset,
            title=_("End the advisory"),
            description=_(
                "The advisory is marked resolved with this closing note, and stops being "
                "listed as current. Its page and timeline stay on record."
            ),
            perform=perform,
            form_class=EndAdvisoryForm,
        )


def split_advisory(advisory: Advisory, scope) -> Advisory:
    """Move the offices of ``scope`` from ``advisory`` to a copy of it, timeline included."""
    with transaction.atomic():
        mine = list(advisory.offices.filter(pk__in=scope.values("pk")))
        systems = list(advisory.systems.all())
        updates = list(advisory.updates.all())
        share = Advisory.objects.get(pk=advisory.pk)
        share.pk = None
        share._state.adding = True
        share.save()
        share.offices.set(mine)
        share.systems.set(systems)
        for update in updates:
            update.pk, update.advisory = None, share
        AdvisoryUpdate.objects.bulk_create(updates)
        advisory.offices.remove(*mine)
    return share


def end_advisory(advisory: Advisory, note: dict, *, actor) -> None:
    """Resolve ``advisory`` now: a closing timeline entry, and its publication ends."""
    now = timezone.now()
    if advisory.published_at is not None and advisory.published_at > now:
        advisory.published_at = None  # scheduled, never shown: it stays unpublished
    if advisory.published_at is not None and (
        advisory.published_until is None or advisory.published_until > now
    ):
        advisory.published_until = now
    advisory.phase = AdvisoryPhase.RESOLVED
    advisory.save(update_fields=["phase", "published_at", "published_until", "updated_at"])
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.RESOLVED,
        body_id=note["body_id"],
        body_en=note.get("body_en", ""),
        actor=actor,
        at=now,
    )
