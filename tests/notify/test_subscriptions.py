"""E-mail for visitors: double opt-in, settled changes in one mail in the subscriber's
language, one-click unsubscribe, and a form that tells nobody who is subscribed.

Mail goes through a real SMTP server (aiosmtpd) on a local port; time is moved with
time_machine, never waited for.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing as django_signing
from django.test import Client
from django.utils import timezone

from notify import changes, signing
from notify.choices import DeliveryState
from notify.models import Notification, Subscriber
from offices.models import OfficeClosure
from portal.models import Advisory
from services.snapshot import recompute
from tests.factories import set_systems

from .conftest import deliver_due

pytestmark = pytest.mark.django_db
START = datetime(2024, 6, 21, 2, 0, tzinfo=UTC)  # Friday 09.00 WIB, an office day
SETTLE = timedelta(seconds=120)
ADDRESS = "warga@example.id"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(notify_settings, clock, smtp):
    """Both systems up and observed once, so that a change has something to differ from."""
    change(pdn="up", cekal="up")
    changes.observe()
    return smtp


def change(**systems: str) -> None:
    set_systems(**systems)
    recompute()


def settle(clock) -> None:
    """Observe the change, let it hold for the settling window, observe again, send."""
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()
    deliver_due()


def sign_up(client: Client, office: str = "palembang", email: str = ADDRESS, **extra):
    return client.post("/langganan/", {"email": email, "office": office, **extra})


def confirm_link(message) -> str:
    return re.search(r"http://\S+/langganan/konfirmasi/\S+/", message.get_content()).group(0)


def confirmed(client: Client, inbox, **form) -> Subscriber:
    assert sign_up(client, **form).status_code == 302
    deliver_due()
    (message,) = inbox.to(form.get("email", ADDRESS))
    assert client.get(path_of(confirm_link(message))).status_code == 200
    return Subscriber.objects.get(email=form.get("email", ADDRESS))


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_nothing_but_the_confirmation_is_sent_until_its_link_is_opened(client, world, clock):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/langganan/terkirim/"
    deliver_due()
    (confirmation,) = world.to(ADDRESS)
    assert "Palembang" in confirmation["Subject"]
    assert "List-Unsubscribe" not in confirmation

    change(pdn="down", cekal="down")
    settle(clock)
    assert len(world.messages) == 1  # not confirmed: told nothing

    assert client.get(path_of(confirm_link(confirmation))).status_code == 200
    assert Subscriber.objects.get(email=ADDRESS).active
    change(pdn="up", cekal="up")
    settle(clock)
    assert len(world.to(ADDRESS)) == 2


def test_a_settled_change_is_one_mail_in_indonesian_saying_what_changed_and_what_to_do(
    client, world, clock
):
    confirmed(client, world)
    change(pdn="degraded", cekal="down")  # printing and the cekal check close
    settle(clock)
    mail = world.to(ADDRESS)[-1]
    text = mail.get_content()
    assert mail["Subject"] == "Kantor Imigrasi Kelas I TPI Palembang: status layanan berubah"
    assert "Pencetakan paspor: Buka → Tutup (menunggu pemulihan PDN dan sistem cekal)" in text
    assert "Hari ini Anda dapat: wawancara, biometrik, foto." in text
    assert "http://127.0.0.1:8000/kantor/palembang/" in text
    unsubscribe = re.search(r"<(http://[^>]+)>", mail["List-Unsubscribe"]).group(1)
    assert unsubscribe in text  # the same link, usable without JavaScript
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_flap_within_the_settling_window_sends_nothing(client, world, clock):
    confirmed(client, world)
    change(pdn="down")
    changes.observe()
    clock.shift(timedelta(seconds=60))
    change(pdn="up")  # back before the change settled
    changes.observe()
    clock.shift(SETTLE * 2)
    changes.observe()
    deliver_due()
    assert len(world.to(ADDRESS)) == 1  # the confirmation only
    assert not Notification.objects.filter(subscriber__isnull=False).exclude(
        payload__kind="confirmation"
    )


def test_several_changes_in_one_window_are_one_mail(client, world, clock):
    confirmed(client, world)
    change(pdn="degraded")
    changes.observe()
    clock.shift(timedelta(seconds=30))
    change(pdn="degraded", cekal="down")
    changes.observe()  # a new view: the window starts again
    clock.shift(SETTLE - timedelta(seconds=1))
    changes.observe()
    deliver_due()
    assert len(world.to(ADDRESS)) == 1  # not yet settled
    clock.shift(timedelta(seconds=1))
    changes.observe()
    deliver_due()
    (_, mail) = world.to(ADDRESS)
    text = mail.get_content()
    assert "Pencetakan paspor: Buka → Tutup" in text and "Pemeriksaan cekal: Buka → Tutup" in text


def test_an_english_subscriber_is_told_in_english(client, world, clock):
    client.get("/bahasa/en/")
    confirmed(client, world)
    change(pdn="down")
    settle(clock)
    text = world.to(ADDRESS)[-1].get_content()
    assert "Passport printing: Open → Closed (waiting for PDN to recover)" in text
    assert "What changed:" in text


def test_an_office_closure_and_an_advisory_are_told(client, world, clock):
    confirmed(client, world)
    OfficeClosure.objects.create(
        office_id=world_office("palembang"), reason="Banjir", starts_at=timezone.now()
    )
    advisory = Advisory.objects.create(
        title_id="Gangguan PDN", title_en="PDN outage", published_at=timezone.now()
    )
    recompute()
    settle(clock)
    text = world.to(ADDRESS)[-1].get_content()
    assert "Kantor ditutup." in text
    assert "Pengumuman baru: Gangguan PDN" in text
    advisory.published_until = timezone.now()
    advisory.save()
    settle(clock)
    assert "Pengumuman berakhir: Gangguan PDN" in world.to(ADDRESS)[-1].get_content()


def world_office(code: str) -> int:
    from offices.models import Office

    return Office.objects.get(code=code).pk


def test_a_subscriber_narrowed_to_a_service_hears_only_of_it(client, world, clock):
    confirmed(client, world, services=["hajj-debarkation"])
    change(pdn="down")  # the passport stages close; hajj debarkation needs none of them
    settle(clock)
    assert len(world.to(ADDRESS)) == 1


def test_one_click_unsubscribe_stops_the_mails(client, world, clock):
    confirmed(client, world)
    change(pdn="down")
    settle(clock)
    url = re.search(r"<(http://[^>]+)>", world.to(ADDRESS)[-1]["List-Unsubscribe"]).group(1)
    asking = client.get(path_of(url))
    assert asking.status_code == 200 and "<form" in asking.content.decode()
    assert Subscriber.objects.get(email=ADDRESS).active  # a GET (a link scanner) changes nothing
    # RFC 8058: the mail client POSTs without a session or CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(
        path_of(url), {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert not Subscriber.objects.get(email=ADDRESS).active
    change(pdn="up")
    settle(clock)
    assert len(world.to(ADDRESS)) == 2


def test_confirmation_links_expire_and_cannot_be_forged(client, world, clock):
    sign_up(client)
    deliver_due()
    link = path_of(confirm_link(world.to(ADDRESS)[0]))
    forged = link.replace(link.split("/")[-2], link.split("/")[-2][:-3] + "abc")
    assert client.get(forged).status_code == 400
    clock.shift(timedelta(hours=48, seconds=1))
    assert client.get(link).status_code == 400
    assert not Subscriber.objects.get(email=ADDRESS).active


def test_the_form_does_not_reveal_who_is_subscribed(client, world, clock):
    confirmed(client, world)
    known = sign_up(Client())
    unknown = sign_up(Client(), email="orang-lain@example.id")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    deliver_due()
    assert len(world.to(ADDRESS)) == 1  # the subscribed address got nothing new
    assert Subscriber.objects.get(email=ADDRESS).active


def test_sign_ups_are_limited_per_address_and_per_client(client, world, settings):
    settings.NOTIFY_SIGNUPS_PER_ADDRESS = "3/h"
    settings.NOTIFY_SIGNUPS_PER_CLIENT = "5/h"
    for number in range(4):  # from different clients: the address limit holds
        assert sign_up(Client(REMOTE_ADDR=f"203.0.113.{number}")).status_code == 302
    deliver_due()
    assert len(world.to(ADDRESS)) == 3
    for number in range(5):
        assert sign_up(client, email=f"w{number}@example.id").status_code == 302
    refused = sign_up(client, email="w5@example.id")
    assert refused.status_code == 429
    assert not Subscriber.objects.filter(email="w5@example.id").exists()


@pytest.mark.parametrize(
    "form",
    [
        {"email": "not-an-address", "office": "palembang"},
        {"email": ADDRESS, "office": "jakarta"},
        {"email": ADDRESS, "office": "muara-enim", "services": ["hajj-debarkation"]},
        {"email": ADDRESS, "office": "palembang", "services": ["no-such-service"]},
        {"email": "", "office": ""},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, world, form):
    response = client.post("/langganan/", form)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Subscriber.objects.exists() and not Notification.objects.exists()


def test_the_form_is_linked_from_every_office_page_and_works_without_javascript(client, world):
    for code in ("palembang", "muara-enim"):
        html = client.get(f"/kantor/{code}/").content.decode()
        assert f'href="/langganan/?kantor={code}"' in html
    form = client.get("/langganan/?kantor=muara-enim").content.decode()
    assert 'method="post"' in form and '<option value="muara-enim" selected>' in form


def test_a_mail_written_before_unsubscribing_is_not_sent_after(client, world, clock):
    subscriber = confirmed(client, world)
    change(pdn="down")
    changes.observe()
    clock.shift(SETTLE)
    changes.observe()  # the mail is in the outbox
    url = signing.unsubscribe_url(subscriber)
    Client().post(path_of(url))
    deliver_due()
    assert len(world.to(ADDRESS)) == 1  # the confirmation only
    row = Notification.objects.get(payload__kind="change")
    assert row.state == DeliveryState.CANCELLED


def test_links_carry_no_address_and_work_only_for_the_address_they_were_made_for(
    client, world, clock
):
    subscriber = confirmed(client, world)
    token = signing.unsubscribe_token(subscriber)
    assert django_signing.b64_decode(token.split(":")[0].encode()) == str(subscriber.pk).encode()
    Subscriber.objects.filter(pk=subscriber.pk).update(email="orang-lain@example.id")
    assert client.post(f"/langganan/berhenti/{token}/").status_code == 400
    assert Subscriber.objects.get(pk=subscriber.pk).active


def test_an_old_confirmation_link_does_not_sign_up_again_who_left(client, world, clock):
    subscriber = confirmed(client, world)
    link = path_of(confirm_link(world.to(ADDRESS)[0]))
    Client().post(path_of(signing.unsubscribe_url(subscriber)))
    assert client.get(link).status_code == 400
    assert not Subscriber.objects.get(pk=subscriber.pk).active
