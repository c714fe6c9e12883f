"""Default guidance per service and state, from the advice given to the public in June 2024
(postpone what is not urgent, watch for updates, stages done are kept, express reopens last).
Staff edit them in the admin; a text staff changed is never overwritten."""

from django.db import migrations

POSTPONE_ID = (
    "Tunda kedatangan bila urusan Anda tidak mendesak dan pantau pembaruan di halaman ini. "
    "Permohonan yang sudah dimulai tetap tercatat dan dilanjutkan setelah layanan pulih."
)
POSTPONE_EN = (
    "Postpone your visit if it is not urgent and watch this page for updates. Applications "
    "already started stay on record and continue once the service is back."
)
UNKNOWN_ID = (
    "Keadaan layanan belum dapat dipastikan. Hubungi kantor sebelum datang, atau muat ulang "
    "halaman ini nanti."
)
UNKNOWN_EN = (
    "The state of this service cannot be confirmed. Contact the office before you go, or "
    "reload this page later."
)

GUIDANCE = {
    ("passport-regular", "open"): (
        "Bawa e-KTP, Kartu Keluarga, akta kelahiran, ijazah atau buku nikah, dan paspor lama "
        "bila ada, semuanya asli. Semua tahap dilayani seperti biasa.",
        "Bring your e-KTP, family card, birth certificate, diploma or marriage book, and your "
        "old passport if you have one, all as originals. Every stage is served as usual.",
    ),
    ("passport-regular", "partial"): (
        "Anda dapat datang untuk tahap yang buka; bawa dokumen asli. Tahap yang sudah selesai "
        "tetap tercatat dan tidak perlu diulang: paspor dicetak setelah sistem pulih. Bila "
        "tidak mendesak, Anda juga dapat menunda kedatangan.",
        "You can come for the stages that are open; bring the originals. Stages you complete "
        "stay on record and need not be repeated: the passport is printed once the systems "
        "recover. If it is not urgent, you may also postpone your visit.",
    ),
    ("passport-regular", "closed"): (POSTPONE_ID, POSTPONE_EN),
    ("passport-regular", "unknown"): (UNKNOWN_ID, UNKNOWN_EN),
    ("passport-express", "open"): (
        "Datang pagi: paspor satu hari selesai harus diajukan dan diselesaikan pada hari yang "
        "sama. Selain biaya paspor, ada biaya percepatan Rp1.000.000.",
        "Come early: a same-day passport must be applied for and finished on the same day. "
        "Besides the passport fee there is a Rp1,000,000 same-day surcharge.",
    ),
    ("passport-express", "partial"): (POSTPONE_ID, POSTPONE_EN),
    ("passport-express", "closed"): (
        "Layanan satu hari selesai memerlukan semua tahap, sehingga dibuka paling akhir. Bila "
        "perjalanan Anda tidak dapat ditunda, ajukan paspor reguler untuk tahap yang buka.",
        "The same-day service needs every stage, so it reopens last. If your journey cannot "
        "wait, apply for a regular passport for the stages that are open.",
    ),
    ("passport-express", "unknown"): (UNKNOWN_ID, UNKNOWN_EN),
    ("foreign-stay-permit", "open"): (
        "Bawa paspor dan dokumen permohonan izin tinggal Anda. Semua tahap dilayani seperti "
        "biasa.",
        "Bring your passport and your stay permit application documents. Every stage is "
        "served as usual.",
    ),
    ("foreign-stay-permit", "partial"): (
        "Pemeriksaan dokumen, pembayaran, foto dan sidik jari dapat dilakukan. Persetujuan dan "
        "penerbitan izin tinggal menunggu sistem pulih; permohonan Anda tetap tercatat.",
        "Document check, payment, photo and fingerprints can be done. Approval and issuing "
        "of the permit wait for the systems to recover; your application stays on record.",
    ),
    ("foreign-stay-permit", "closed"): (POSTPONE_ID, POSTPONE_EN),
    ("foreign-stay-permit", "unknown"): (UNKNOWN_ID, UNKNOWN_EN),
    ("hajj-debarkation", "open"): (
        "Jemaah haji yang tiba dilayani di debarkasi; ikuti arahan petugas.",
        "Arriving hajj pilgrims are served at the debarkation point; follow the officers' "
        "directions.",
    ),
    ("hajj-debarkation", "partial"): (
        "Jemaah haji yang tiba tetap dilayani; ikuti arahan petugas di debarkasi.",
        "Arriving hajj pilgrims are still served; follow the officers' directions.",
    ),
    ("hajj-debarkation", "closed"): (
        "Ikuti arahan petugas di debarkasi dan dari penyelenggara haji.",
        "Follow the directions of the officers at the debarkation point and of your hajj "
        "organiser.",
    ),
    ("hajj-debarkation", "unknown"): (UNKNOWN_ID, UNKNOWN_EN),
}


def seed(apps, schema_editor):
    ServiceGuidance = apps.get_model("offices", "ServiceGuidance")
    for (service, state), (text_id, text_en) in GUIDANCE.items():
        ServiceGuidance.objects.get_or_create(
            service_code=service, state=state, defaults={"text_id": text_id, "text_en": text_en}
        )


class Migration(migrations.Migration):
    dependencies = [("offices", "0005_office_contacts_and_service_guidance")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
