"""Fill a real application's schema with generated people, deterministically for a seed.

`fill(url, app, seed)` creates the schema in the empty database at `url` and writes:
customers who register, order, review, search and write to support; staff users who
author notes, answer tickets and appear in the admin log; shared lookups (countries,
sites, partners, queues) that every person's rows point at; other customers' votes on
reviews; and free text that mentions the person it is about (name, phone, address, card
and account numbers, as people do write them). Columns a generator leaves out get what
the application writes by default (blank text, false, zero), so every NOT NULL holds.

Returns a `Population`: who the customers and staff are, for the tests."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gzip
import hashlib
import json
import random
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from faker import Faker
from stdnum import luhn
from stdnum.no import kontonr

from examples.shop.generate import ASCII, ip_address, make_fodselsnummer, phone_number
from personvern.connectors.engine import make_engine
from tests.realschemas import HERE, create_schema, schema_metadata

START = dt.datetime(2023, 1, 1, 9, 0, 0)
REGIONS = ("Oslo", "Viken", "Vestland", "Rogaland", "Trøndelag", "Innlandet", "Agder", "Nordland", "Troms og Finnmark", "Møre og Romsdal")
PRODUCTS = ("Ullgenser", "Regnjakke", "Fjellsko", "Termos", "Sovepose", "Ryggsekk", "Hodelykt", "Votter", "Lue", "Telt", "Turbukse", "Kaffekjele")
SEARCH_WORDS = ("regnjakke", "ullgenser dame", "fjellsko str 42", "termos 1 liter", "sovepose vinter", "telt 2 personer", "hodelykt", "votter barn", "lue", "tursekk 30l")
STAFF_FIRST = ("Ola", "Kari", "Per", "Ingrid", "Lars", "Silje", "Jonas", "Marte", "Erik", "Nora")


@dataclass
class Person:
    id: int
    first: str
    last: str
    email: str
    username: str
    phone: str
    street: str
    line2: str
    postcode: str
    city: str
    region: str
    fnr: str
    is_staff: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Population:
    app: str
    customers: list[Person]
    staff: list[Person]
    rows: dict[str, int] = field(default_factory=dict)
    # table -> primary key -> the persons a row belongs to (absent: shared, or a lookup)
    owners: dict[str, dict[tuple, frozenset[int]]] = field(default_factory=dict)


class Rows:
    """Rows per table, completed the way the application would store them."""

    def __init__(self, metadata: sa.MetaData):
        self.metadata = metadata
        self.data: dict[str, list[dict]] = defaultdict(list)
        self.last_id: dict[str, int] = defaultdict(int)
        self.owners: dict[str, dict[tuple, frozenset[int]]] = defaultdict(dict)
        self._owners: frozenset[int] = frozenset()

    def belong_to(self, *people: int) -> None:
        """The rows added from now on belong to these persons (the tests' ground truth);
        with no one, to no one (shared rows)."""
        self._owners = frozenset(people)

    def add(self, table: str, _owners: Iterable[int] | None = None, **values) -> int:
        columns = self.metadata.tables[table].c
        if "id" in columns and "id" not in values:
            self.last_id[table] += 1
            values["id"] = self.last_id[table]
        unknown = set(values) - set(columns.keys())
        if unknown:
            raise KeyError(f"{table} has no column {sorted(unknown)}")
        for column in columns:
            if column.name not in values:
                values[column.name] = None if column.nullable else _blank(column.type)
        self.data[table].append(values)
        owners = frozenset(_owners) if _owners is not None else self._owners
        if owners:
            key = tuple(values[c.name] for c in self.metadata.tables[table].primary_key.columns)
            self.owners[table][key] = owners
        return values.get("id")


def _blank(column_type: sa.types.TypeEngine):
    if isinstance(column_type, sa.Boolean):
        return False
    if isinstance(column_type, sa.Integer):
        return 0
    if isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float):
        return Decimal("0.00")
    if isinstance(column_type, sa.Float):
        return 0.0
    if isinstance(column_type, sa.DateTime):
        return START
    if isinstance(column_type, sa.Date):
        return START.date()
    return ""


class People:
    """Seeded Faker (Norwegian) for names and places; everything else from one Random."""

    def __init__(self, seed: int):
        self.fake = Faker("no_NO")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    def person(self, pid: int, staff: bool = False) -> Person:
        f, r = self.fake, self.rng
        first = STAFF_FIRST[pid % len(STAFF_FIRST)] if staff else f.first_name()
        last = f.last_name()
        local = f"{first}.{last}".lower().translate(ASCII)
        host = "firma.no" if staff else r.choice(("example.com", "example.net", "eksempel.no", "example.org"))
        line2 = r.choice(("", "", "", f"Leilighet H0{r.randrange(1, 5)}0{r.randrange(1, 9)}", f"c/o {f.first_name()} {last}", f"{r.randrange(1, 6)}. etasje"))
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=r.randrange(365 * 55))
        return Person(
            id=pid,
            first=first,
            last=last,
            email=f"{local}{pid}@{host}",
            username=f"{local[:20]}{pid}" if staff else f"{local[:12]}{r.randrange(10, 99)}",
            phone=phone_number(r),
            street=f.street_address(),
            line2=line2,
            postcode=f.postcode(),
            city=f.city(),
            region=r.choice(REGIONS),
            fnr=make_fodselsnummer(r, birth),
            is_staff=staff,
        )

    def when(self, days: int = 900) -> dt.datetime:
        return START + dt.timedelta(seconds=self.rng.randrange(days * 86400))

    def card_number(self) -> str:
        """A 16-digit card number with a valid Luhn check digit."""
        body = self.rng.choice(("4", "51", "55")) + "".join(str(self.rng.randrange(10)) for _ in range(14))
        return body[:15] + luhn.calc_check_digit(body[:15])

    def account_number(self) -> str:
        """A Norwegian bank account number with a valid mod-11 check digit, as written."""
        while True:
            number = f"{self.rng.randrange(1200, 9999)}{self.rng.randrange(10, 99)}{self.rng.randrange(100000):05d}"
            if kontonr.is_valid(number):
                return kontonr.format(number) if self.rng.random() < 0.5 else number

    def iban(self) -> str:
        return self.fake.iban()


def _password(rng: random.Random) -> str:
    salt = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22))
    digest = base64.b64encode(hashlib.sha256(salt.encode()).digest()).decode()
    return f"pbkdf2_sha256$1000000${salt}${digest}"


def _session(rng: random.Random, user_id: int) -> tuple[str, str]:
    key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    payload = base64.urlsafe_b64encode(json.dumps({"_auth_user_id": str(user_id), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}).encode()).decode()
    return key, payload.rstrip("=") + ":1t" + key[:6] + ":" + key[6:30]


# ------------------------------------------------------------- shared Django tables


def _django_base(rows: Rows, p: People, staff: list[Person], customers: list[Person], groups: list[str]) -> None:
    rows.add("django_site", name="Nettbutikken", domain="nettbutikk.example.no")
    for table in sorted(rows.metadata.tables):
        app, _, model = table.partition("_")
        ctype = rows.add("django_content_type", app_label=app, model=model.replace("_", ""))
        for action in ("add", "change", "delete", "view"):
            rows.add("auth_permission", content_type_id=ctype, codename=f"{action}_{model}"[:100], name=f"Can {action} {model.replace('_', ' ')}"[:255])
    for group in groups:
        gid = rows.add("auth_group", name=group)
        for perm in range(gid, rows.last_id["auth_permission"], 7):
            rows.add("auth_group_permissions", group_id=gid, permission_id=perm)
    for person in staff + customers:
        joined = p.when(300)
        rows.add(
            "auth_user",
            _owners={person.id},
            id=person.id,
            password=_password(p.rng),
            last_login=joined + dt.timedelta(days=p.rng.randrange(1, 400)),
            is_superuser=person.id == 1,
            username=person.username,
            first_name=person.first,
            last_name=person.last,
            email=person.email,
            is_staff=person.is_staff,
            is_active=True,
            date_joined=joined,
        )
    for person in staff:
        rows.add("auth_user_groups", _owners={person.id}, user_id=person.id, group_id=1 + person.id % len(groups))
    for person in p.rng.sample(customers, len(customers) // 4) + staff:
        key, data = _session(p.rng, person.id)
        rows.add("django_session", _owners={person.id}, session_key=key, session_data=data, expire_date=p.when() + dt.timedelta(days=14))


def _admin_log(rows: Rows, p: People, staff: list[Person], customers: list[Person], count: int) -> None:
    user_type = next(r["id"] for r in rows.data["django_content_type"] if r["app_label"] == "auth" and r["model"] == "user")
    for _ in range(count):
        who = p.rng.choice(customers)
        action = p.rng.choice((1, 2, 2, 3))
        message = json.dumps([{"changed": {"fields": p.rng.sample(["Email address", "First name", "Last name", "Active"], 2)}}]) if action == 2 else ""
        rows.add(
            "django_admin_log",
            _owners={who.id},
            object_id=str(who.id),
            object_repr=who.username,  # Django logs str(user): the user name
            action_flag=action,
            change_message=message,
            content_type_id=user_type,
            user_id=p.rng.choice(staff).id,
            action_time=p.when(),
        )


def _people(p: People, staff_count: int, customer_count: int) -> tuple[list[Person], list[Person]]:
    staff = [p.person(i, staff=True) for i in range(1, staff_count + 1)]
    customers = [p.person(staff_count + i) for i in range(1, customer_count + 1)]
    return staff, customers


def _mention(p: People, who: Person) -> str:
    """A sentence someone writes about a person, holding one or two of their identity values."""
    return p.rng.choice(
        (
            f"Kunden {who.name} ringte fra {who.phone} og ba om levering til {who.street}, {who.postcode} {who.city}.",
            f"{who.first} ønsker svar på e-post {who.email}.",
            f"Snakket med {who.name} på telefon {who.phone}; hun ringer tilbake i morgen.",
            f"Pakken ble returnert. Ny adresse: {who.street}, {who.postcode} {who.city}.",
            f"Kunden ba om at {who.first} {who.last} står som mottaker.",
        )
    )


# ----------------------------------------------------------------- django-oscar


def _oscar(rows: Rows, p: People) -> Population:
    r = p.rng
    staff, customers = _people(p, 10, 200)
    _django_base(rows, p, staff, customers, ["Kundeservice", "Lager", "Administrator"])
    for code, a3, number, name in (("NO", "NOR", "578", "Norge"), ("SE", "SWE", "752", "Sverige"), ("DK", "DNK", "208", "Danmark"), ("FI", "FIN", "246", "Finland"), ("DE", "DEU", "276", "Tyskland"), ("GB", "GBR", "826", "Storbritannia")):
        rows.add("address_country", iso_3166_1_a2=code, iso_3166_1_a3=a3, iso_3166_1_numeric=number, name=name, printable_name=name, display_order=1 if code == "NO" else 0, is_shipping_country=True)
    country = lambda: "NO" if r.random() < 0.9 else r.choice(("SE", "DK", "DE"))  # noqa: E731

    # Catalogue and partners: shared by every order.
    for i, name in enumerate(("Klær", "Sko", "Tursekker", "Kjøkken", "Telt og soveposer", "Tilbehør"), 1):
        rows.add("catalogue_category", path=f"0001{i:04d}", depth=2, name=name, slug=name.lower().translate(ASCII), description=f"Alt innen {name.lower()}", is_public=True, ancestors_are_public=True, long_description="")
    pclass = rows.add("catalogue_productclass", name="Turutstyr", slug="turutstyr", requires_shipping=True, track_stock=True)
    rows.add("catalogue_productclass", name="Gavekort", slug="gavekort", requires_shipping=False, track_stock=False)
    option = rows.add("catalogue_option", code="storrelse", type="select", name="Størrelse", required=False, order=1)
    partners = []
    for code, name, street, postcode, city in (("fjellutstyr", "Fjellutstyr AS", "Industriveien 4", "2000", "Lillestrøm"), ("nordlager", "Nordlager AS", "Havnegata 12", "8006", "Bodø"), ("tursko", "Tursko Norge AS", "Fabrikkgata 2", "5059", "Bergen")):
        pid = rows.add("partner_partner", code=code, name=name)
        partners.append((pid, name))
        rows.add("partner_partneraddress", partner_id=pid, line1=street, line4=city, postcode=postcode, country_id="NO", search_text=f"{name} {street} {postcode} {city}")
    for person in staff[:4]:
        rows.add("partner_partner_users", partner_id=partners[person.id % 3][0], user_id=person.id)
    products, stock = [], {}
    for i in range(36):
        title = f"{PRODUCTS[i % len(PRODUCTS)]} {('Classic', 'Pro', 'Lett', 'Vinter')[i % 4]}"
        pid = rows.add("catalogue_product", structure="standalone", upc=f"70{i:011d}", title=title, slug=f"produkt-{i}", description=f"{title} til tur og hverdag.", date_created=START, date_updated=START, is_discountable=True, product_class_id=pclass, is_public=True, priority=0)
        products.append((pid, title))
        rows.add("catalogue_productcategory", product_id=pid, category_id=1 + i % 6)
        rows.add("catalogue_productimage", product_id=pid, original=f"images/products/{pid}.jpg", caption=title, display_order=0, date_created=START)
        partner = partners[i % 3]
        stock[pid] = rows.add("partner_stockrecord", partner_id=partner[0], product_id=pid, partner_sku=f"SKU-{i:05d}", price=Decimal(199 + 50 * (i % 12)), price_currency="NOK", num_in_stock=20, num_allocated=0, date_created=START, date_updated=START)
        rows.add("analytics_productrecord", product_id=pid, num_views=r.randrange(500), num_basket_additions=r.randrange(80), num_purchases=r.randrange(40), score=r.random())
    attribute = rows.add("catalogue_productattribute", name="Materiale", code="materiale", type="text", required=False, product_class_id=pclass)
    for pid, _ in products[:12]:
        rows.add("catalogue_productattributevalue", attribute_id=attribute, product_id=pid, value_text=r.choice(("Ull", "Gore-Tex", "Nylon", "Bomull")))
    rng_id = rows.add("offer_range", name="Hele sortimentet", slug="alt", description="", is_public=True, includes_all_products=True, date_created=START)
    benefit = rows.add("offer_benefit", type="Percentage", value=Decimal("10.00"), range_id=rng_id)
    condition = rows.add("offer_condition", type="Value", value=Decimal("1000.00"), range_id=rng_id)
    offer = rows.add("offer_conditionaloffer", name="10 % over 1000 kr", slug="ti-prosent", description="Ti prosent rabatt når du handler for over 1000 kroner.", offer_type="Site", status="Open", total_discount=Decimal("0.00"), num_applications=0, num_orders=0, redirect_url="", date_created=START, benefit_id=benefit, condition_id=condition, exclusive=True, priority=0)
    voucher_set = rows.add("voucher_voucherset", name="Julekampanje", count=5, code_length=8, description="Kampanjekoder til jul", date_created=START, start_datetime=START, end_datetime=START + dt.timedelta(days=60))
    vouchers = [rows.add("voucher_voucher", code=f"JUL{i:05d}", usage="Single use", start_datetime=START, end_datetime=START + dt.timedelta(days=60), total_discount=Decimal("0.00"), date_created=START, voucher_set_id=voucher_set, name=f"Julekode {i}") for i in range(5)]
    for voucher in vouchers:
        rows.add("voucher_voucher_offers", voucher_id=voucher, conditionaloffer_id=offer)
    shipping = rows.add("shipping_weightbased", code="posten", name="Posten", description="Levering med Posten", default_weight=Decimal("1.00"))
    rows.add("shipping_weightband", method_id=shipping, upper_limit=Decimal("10.00"), charge=Decimal("99.00"))
    rows.add("shipping_weightbased_countries", weightbased_id=shipping, country_id="NO")
    for code, name in (("order_placed", "Ordrebekreftelse"), ("order_dispatched", "Ordre sendt"), ("password_reset", "Nytt passord")):
        rows.add("communication_communicationeventtype", code=code, category="Order related", name=name, email_subject_template=f"{name} {{{{ order.number }}}}", email_body_template="Hei {{ user.first_name }}, takk for handelen.", date_created=START, date_updated=START)
    for name in ("Betalt", "Refundert"):
        rows.add("order_paymenteventtype", name=name, code=name.lower())
    for name in ("Sendt", "Levert"):
        rows.add("order_shippingeventtype", name=name, code=name.lower())
    card_source = rows.add("payment_sourcetype", code="kort", name="Betalingskort")
    rows.add("payment_sourcetype", code="vipps", name="Vipps")

    # Customers: addresses, saved cards, searches, views, wishlists, alerts.
    for who in customers:
        rows.belong_to(who.id)
        for n in range(r.choice((1, 1, 1, 2))):
            street = who.street if n == 0 else p.fake.street_address()
            rows.add(
                "address_useraddress", user_id=who.id, title=r.choice(("", "", "Fru", "Herr", "Dr.")), first_name=who.first, last_name=who.last,
                line1=street, line2=who.line2, line3="", line4=who.city, state=who.region, postcode=who.postcode,
                search_text=f"{who.first} {who.last} {who.street} {who.line2} {who.postcode} {who.city} {who.region}", phone_number=who.phone,
                notes=r.choice(("", "", "Ring på hos naboen", f"Ring {who.phone} ved levering", "Legg pakken i postkassen")),
                is_default_for_shipping=n == 0, is_default_for_billing=n == 0, hash=hashlib.md5(f"{street}{who.postcode}".encode()).hexdigest(),
                date_created=p.when(), country_id=country(), num_orders_as_shipping_address=0, num_orders_as_billing_address=0,
            )
        if r.random() < 0.3:
            expiry = dt.date(2026 + r.randrange(4), 1 + r.randrange(12), 1)
            rows.add("payment_bankcard", user_id=who.id, card_type=r.choice(("Visa", "Mastercard")), name=r.choice((who.name, who.name.upper())), number=f"XXXX-XXXX-XXXX-{p.card_number()[-4:]}", expiry_date=expiry, partner_reference=f"tok_{hashlib.sha1(who.email.encode()).hexdigest()[:20]}")
        for _ in range(r.randrange(0, 3)):
            rows.add("analytics_usersearch", user_id=who.id, query=r.choice(SEARCH_WORDS), date_created=p.when())
        for _ in range(r.randrange(0, 4)):
            rows.add("analytics_userproductview", user_id=who.id, product_id=r.choice(products)[0], date_created=p.when())
        if r.random() < 0.15:
            wishlist = rows.add("wishlists_wishlist", owner_id=who.id, name=r.choice(("Ønskeliste", "Julegaver", "Til hytta")), key=f"{who.id:06d}"[-6:], visibility="Private", date_created=p.when())
            product = r.choice(products)
            rows.add("wishlists_line", wishlist_id=wishlist, product_id=product[0], title=product[1], quantity=1)
            if r.random() < 0.5:
                friend = r.choice(customers)
                rows.add("wishlists_wishlistsharedemail", _owners={who.id, friend.id}, wishlist_id=wishlist, email=friend.email)
    rows.belong_to()
    for i in range(40):
        who = r.choice(customers)
        rows.belong_to(who.id)
        registered = r.random() < 0.7
        rows.add("customer_productalert", email="" if registered else who.email, key="" if registered else hashlib.sha1(f"alert{i}".encode()).hexdigest()[:32], status="Active", product_id=r.choice(products)[0], user_id=who.id if registered else None, date_created=p.when())

    rows.belong_to()
    # Orders: 270 by registered customers, 30 by guests (who have no account).
    guests = [p.person(1000 + i) for i in range(30)]
    orders_of: dict[int, int] = defaultdict(int)
    spent: dict[int, Decimal] = defaultdict(Decimal)
    for n in range(300):
        guest = n % 10 == 9
        who = guests[n // 10] if guest else r.choice(customers)
        rows.belong_to(who.id)
        placed = p.when()
        basket = rows.add("basket_basket", owner_id=None if guest else who.id, status="Submitted", date_created=placed, date_submitted=placed)
        address = dict(title="", first_name=who.first, last_name=who.last, line1=who.street, line2=who.line2, line3="", line4=who.city, state=who.region, postcode=who.postcode, search_text=f"{who.first} {who.last} {who.street} {who.postcode} {who.city}", country_id="NO")
        billing = rows.add("order_billingaddress", **address)
        shipping_address = rows.add("order_shippingaddress", **address, phone_number=who.phone, notes=r.choice(("", "", f"Ring {who.phone} ved levering", "Leveres på døren")))
        number = str(100000 + n)
        lines = []
        for pid, title in r.sample(products, r.randrange(1, 4)):
            quantity = r.randrange(1, 3)
            price = Decimal(199 + 50 * (pid % 12))
            rows.add("basket_line", basket_id=basket, product_id=pid, stockrecord_id=stock[pid], line_reference=f"{pid}_{stock[pid]}", quantity=quantity, price_currency="NOK", price_excl_tax=price * Decimal("0.8"), price_incl_tax=price, date_created=placed, date_updated=placed)
            lines.append((pid, title, quantity, price))
        total = sum(q * price for _, _, q, price in lines)
        order = rows.add(
            "order_order", number=number, currency="NOK", total_incl_tax=total, total_excl_tax=total * Decimal("0.8"), shipping_incl_tax=Decimal("99.00"), shipping_excl_tax=Decimal("79.20"),
            shipping_method="Posten", shipping_code="posten", status=r.choice(("Pending", "Being processed", "Complete", "Complete", "Cancelled")), guest_email=who.email if guest else "",
            date_placed=placed, basket_id=basket, billing_address_id=billing, shipping_address_id=shipping_address, site_id=1, user_id=None if guest else who.id, analytics_tracked=True,
        )
        if not guest:
            orders_of[who.id] += 1
            spent[who.id] += total
        line_ids = []
        for pid, title, quantity, price in lines:
            partner = partners[(pid - 1) % 3]
            line = rows.add(
                "order_line", order_id=order, partner_id=partner[0], partner_name=partner[1], partner_sku=f"SKU-{pid - 1:05d}", partner_line_reference="", partner_line_notes="", title=title, upc=f"70{pid - 1:011d}",
                quantity=quantity, line_price_incl_tax=quantity * price, line_price_excl_tax=quantity * price * Decimal("0.8"), line_price_before_discounts_incl_tax=quantity * price,
                line_price_before_discounts_excl_tax=quantity * price * Decimal("0.8"), unit_price_incl_tax=price, unit_price_excl_tax=price * Decimal("0.8"), status="", product_id=pid, stockrecord_id=stock[pid], allocation_cancelled=False, num_allocated=quantity,
            )
            line_ids.append(line)
            rows.add("order_lineprice", order_id=order, line_id=line, quantity=quantity, price_incl_tax=price, price_excl_tax=price * Decimal("0.8"), shipping_incl_tax=Decimal("0.00"), shipping_excl_tax=Decimal("0.00"))
            if r.random() < 0.2:
                rows.add("order_lineattribute", line_id=line, option_id=option, type="Størrelse", value=json.dumps(r.choice(("S", "M", "L", "XL"))))
        source = rows.add("payment_source", order_id=order, source_type_id=card_source, currency="NOK", amount_allocated=total, amount_debited=total, amount_refunded=Decimal("0.00"), label="Betalingskort", reference=f"pi_{hashlib.sha1(number.encode()).hexdigest()[:16]}")
        rows.add("payment_transaction", source_id=source, txn_type="Debit", amount=total, reference=f"tx_{number}", status="Success", date_created=placed)
        paid = rows.add("order_paymentevent", order_id=order, event_type_id=1, amount=total, reference=f"tx_{number}", date_created=placed)
        for line in line_ids:
            rows.add("order_paymenteventquantity", event_id=paid, line_id=line, quantity=1)
        if r.random() < 0.6:
            sent = rows.add("order_shippingevent", order_id=order, event_type_id=1, notes=r.choice(("", "Sporingsnummer 70701234567890", f"Levert til {who.first} personlig", f"Hentet av {who.name}")), date_created=placed + dt.timedelta(days=1))
            for line in line_ids:
                rows.add("order_shippingeventquantity", event_id=sent, line_id=line, quantity=1)
        rows.add("order_orderstatuschange", order_id=order, old_status="Pending", new_status="Being processed", date_created=placed + dt.timedelta(hours=2))
        rows.add("order_communicationevent", order_id=order, event_type_id=1, date_created=placed)
        if r.random() < 0.35:  # a staff member's note about the customer
            rows.add("order_ordernote", order_id=order, user_id=r.choice(staff).id, note_type="Info", message=_mention(p, who), date_created=placed, date_updated=placed)
        if total > 1000 and r.random() < 0.5:
            discount = rows.add("order_orderdiscount", order_id=order, category="Basket", offer_id=offer, offer_name="10 % over 1000 kr", amount=(total / 10).quantize(Decimal("0.01")), message="Du fikk 10 % rabatt på bestillingen.", voucher_code="")
            rows.add("order_orderlinediscount", line_id=line_ids[0], order_discount_id=discount, is_incl_tax=True, amount=Decimal("10.00"))
        if n % 25 == 0:
            rows.add("voucher_voucherapplication", order_id=order, user_id=None if guest else who.id, voucher_id=vouchers[n % 5], date_created=placed)
        rows.add("communication_email", user_id=None if guest else who.id, email=who.email, subject=f"Ordrebekreftelse {number}", body_text=f"Hei {who.first},\n\ntakk for bestillingen {number}. Vi sender varene til {who.street}, {who.postcode} {who.city}.", body_html=f"<p>Hei {who.first},</p><p>takk for bestillingen {number}.</p>", date_sent=placed)
    rows.belong_to()
    for who in customers:
        rows.belong_to(who.id)
        if orders_of[who.id]:
            rows.add("analytics_userrecord", user_id=who.id, num_product_views=r.randrange(50), num_basket_additions=orders_of[who.id], num_orders=orders_of[who.id], num_order_lines=orders_of[who.id] * 2, num_order_items=orders_of[who.id] * 2, total_spent=spent[who.id], date_last_order=p.when())
    rows.belong_to()
    for _ in range(50):  # open baskets
        who = r.choice(customers)
        rows.belong_to(who.id)
        basket = rows.add("basket_basket", owner_id=who.id, status="Open", date_created=p.when())
        pid, _ = r.choice(products)
        rows.add("basket_line", basket_id=basket, product_id=pid, stockrecord_id=stock[pid], line_reference=f"{pid}_{stock[pid]}", quantity=1, price_currency="NOK", price_excl_tax=Decimal("100.00"), price_incl_tax=Decimal("125.00"), date_created=START, date_updated=START)
    rows.belong_to()
    for who in r.sample(customers, 60):
        rows.belong_to(who.id)
        welcome = r.random() < 0.5
        rows.add("communication_email", user_id=who.id, email=who.email, subject=f"Velkommen, {who.first}!" if welcome else "Nytt passord", body_text=f"Hei {who.name}, brukernavnet ditt er {who.username}.", body_html="", date_sent=p.when())
    rows.belong_to()
    for who in r.sample(customers, 80):
        rows.belong_to(who.id)
        rows.add("communication_notification", recipient_id=who.id, sender_id=r.choice(staff).id if r.random() < 0.7 else None, subject=f"Hei {who.first}, bestillingen din er sendt", body=f"{who.name}, pakken er på vei til {who.street}.", location="Inbox", date_sent=p.when())

    rows.belong_to()
    # Reviews: most by registered customers; some anonymous (name, e-mail, homepage); votes by others.
    reviews = []
    for i in range(80):
        who = r.choice(customers)
        rows.belong_to(who.id)
        anonymous = i % 4 == 3
        pid, title = r.choice(products)
        reviews.append((rows.add(
            "reviews_productreview", product_id=pid, user_id=None if anonymous else who.id, score=r.randrange(1, 6),
            title=r.choice((f"{title}: fornøyd", "Anbefales!", f"Skuffet over {title.lower()}", f"{who.first} sin vurdering")), body=f"Brukte den på tur i {who.city}. " + r.choice(("Varm og god.", "Gikk i stykker etter en uke.", "Helt grei.")),
            name=who.name if anonymous else "", email=who.email if anonymous else "", homepage=f"https://{who.last.lower().translate(ASCII)}.example.no/" if anonymous or r.random() < 0.2 else "",
            status=1, total_votes=0, delta_votes=0, date_created=p.when(),
        ), who))
    rows.belong_to()
    for review, author in reviews:
        for voter in r.sample(customers, r.randrange(0, 4)):
            if voter is not author:
                rows.add("reviews_vote", _owners={voter.id}, review_id=review, user_id=voter.id, delta=r.choice((1, -1)), date_created=p.when())
    rows.add("offer_rangeproductfileupload", range_id=rng_id, uploaded_by_id=staff[2].id, filepath="uploads/skus.csv", size=1200, date_uploaded=START, status="Processed", error_message="", upload_type="included")
    rows.add("django_flatpage", url="/om-oss/", title="Om oss", content="<p>Vi selger turutstyr siden 1999.</p>", template_name="", enable_comments=False, registration_required=False)
    rows.add("django_flatpage_sites", flatpage_id=1, site_id=1)
    _admin_log(rows, p, staff, customers, 60)
    return Population("oscar", customers, staff)


# --------------------------------------------------------------- django-helpdesk


def _helpdesk(rows: Rows, p: People) -> Population:
    r = p.rng
    staff, customers = _people(p, 10, 200)
    for who in customers:
        who.username = who.email  # helpdesk makes an account for a submitter named by her e-mail address
    _django_base(rows, p, staff, customers, ["Førstelinje", "Andrelinje"])
    queues = [
        rows.add("helpdesk_queue", title=title, slug=slug, email_address=f"{slug}@firma.no", allow_public_submission=True, allow_email_submission=True, email_box_ssl=True, email_box_type="imap", email_box_host="imap.firma.no", email_box_user=f"{slug}@firma.no", email_box_pass="hemmelig-passord", new_ticket_cc="leder@firma.no", default_owner_id=staff[i].id, enable_notifications_on_email_events=False)
        for i, (title, slug) in enumerate((("Kundeservice", "kundeservice"), ("Faktura", "faktura"), ("Teknisk", "teknisk")))
    ]
    fields = [rows.add("helpdesk_customfield", name=name, label=label, data_type="varchar", max_length=40, required=False, staff_only=False, empty_selection_list=False, ordering=i) for i, (name, label) in enumerate((("kontonummer", "Kontonummer"), ("telefon", "Telefon"), ("kundenummer", "Kundenr")))]
    category = rows.add("helpdesk_kbcategory", title="Vanlige spørsmål", name="Vanlige spørsmål", slug="faq", description="Svar på det kundene oftest lurer på.", queue_id=queues[0], public=True)
    kbitems = [rows.add("helpdesk_kbitem", category_id=category, title=title, question=title + "?", answer="Se vilkårene våre.", votes=0, recommendations=0, last_updated=START, enabled=True, order=i) for i, title in enumerate(("Hvordan returnerer jeg en vare", "Når kommer pakken", "Hvordan endrer jeg passord"))]
    rows.add("helpdesk_presetreply", name="Takk", body="Hei {{ ticket.submitter_email }},\n\ntakk for henvendelsen. Vi svarer så snart vi kan.")
    rows.add("helpdesk_presetreply_queues", presetreply_id=1, queue_id=queues[0])
    for name in ("newticket_submitter", "resolved_submitter", "updated_owner"):
        rows.add("helpdesk_emailtemplate", template_name=name, subject="(Ny sak)", heading="Ny sak", plain_text="Hei,\n\n{{ ticket.title }}", html="<p>{{ ticket.title }}</p>", locale="nb")
    rows.add("helpdesk_checklisttemplate", name="Retur", task_list=json.dumps(["Motta vare", "Kontroller vare", "Refunder"]))
    exclusion = rows.add("helpdesk_escalationexclusion", name="1. juledag", date=dt.date(2024, 12, 25))
    rows.add("helpdesk_escalationexclusion_queues", escalationexclusion_id=exclusion, queue_id=queues[0])
    blocked = [(None, "mailer-daemon@example.com"), (None, "noreply@example.net")] + [(who.id, who.email) for who in r.sample(customers, 2)]
    for i, (whose, address) in enumerate(blocked):
        rows.belong_to(*([whose] if whose else []))
        ignore = rows.add("helpdesk_ignoreemail", name=f"Blokkert {i + 1}", date=dt.date(2024, 1, 1 + i), email_address=address, keep_in_mailbox=False)
        rows.add("helpdesk_ignoreemail_queues", ignoreemail_id=ignore, queue_id=queues[0])
    rows.belong_to()
    for person in staff + customers:
        rows.add("helpdesk_usersettings", _owners={person.id}, user_id=person.id, settings_pickled=None, email_on_ticket_assign=True, email_on_ticket_change=True, login_view_ticketlist=True, tickets_per_page=25, use_email_as_submitter=True, ticket_respond_layout="default")
    for person in staff[:4]:
        rows.add("helpdesk_savedsearch", _owners={person.id}, user_id=person.id, title="Mine åpne saker", shared=False, query=base64.b64encode(json.dumps({"filtering": {"assigned_to__id__in": [person.id]}, "sorting": "created"}).encode()).decode())
        for kb in kbitems[:2]:
            rows.add("helpdesk_kbitem_voted_by", _owners={person.id}, kbitem_id=kb, user_id=person.id)

    subjects = ("Feil på fakturaen", "Pakken har ikke kommet", "Vil returnere varen", "Endre adresse", "Kan ikke logge inn", "Refusjon til konto")
    tickets = []
    for n in range(300):
        who = r.choice(customers)
        rows.belong_to(who.id)
        created = p.when()
        details = r.choice(
            (
                f"Hei, jeg heter {who.name}. Refusjonen kan gå til kontonummer {p.account_number()}.",
                f"Jeg ble trukket to ganger på kortet {p.card_number()}. Ring meg på {who.phone}.",
                f"Bestillingen skulle til {who.street}, {who.postcode} {who.city}, men kom aldri.",
                f"Jeg får ikke logget inn fra {ip_address(r)}. Brukernavn: {who.username}.",
                f"Fødselsnummeret mitt er {who.fnr}, dere har registrert feil navn.",
                f"Utbetal til IBAN {p.iban()}, hilsen {who.first}.",
                f"Kontakt meg på {who.email} eller {who.phone}.",
            )
        )
        status = r.choice((1, 1, 2, 3, 4))
        ticket = rows.add(
            "helpdesk_ticket", title=r.choice(subjects) + r.choice(("", "", f" ({who.first})", f" – {who.name}")), created=created, modified=created, submitter_email=who.email, status=status,
            on_hold=False, description=details, resolution=f"Løst: {who.first} har fått svar." if status == 4 else None, priority=r.randrange(1, 6),
            assigned_to_id=r.choice(staff).id if r.random() < 0.8 else None, queue_id=r.choice(queues), secret_key=hashlib.md5(f"t{n}".encode()).hexdigest()[:36], kbitem_id=r.choice(kbitems) if r.random() < 0.1 else None,
        )
        tickets.append((ticket, who))
        rows.add("helpdesk_followup", ticket_id=ticket, date=created, title="Sak åpnet", comment=details, public=True, user_id=who.id, new_status=1, email_recipients=json.dumps([who.email]))
        for _ in range(r.randrange(0, 4)):
            agent = r.choice(staff)
            followup = rows.add(
                "helpdesk_followup", ticket_id=ticket, date=created + dt.timedelta(hours=r.randrange(1, 72)), title=r.choice(("Kommentar", "Svar fra kundeservice", f"Svar til {who.first}")),
                comment=_mention(p, who) if r.random() < 0.5 else "Vi ser på saken.", public=r.random() < 0.7, user_id=agent.id, message_id=f"<{hashlib.md5(f'{ticket}{agent.id}'.encode()).hexdigest()}@mail.firma.no>",
                email_recipients=json.dumps([who.email, agent.email]), time_spent=r.randrange(60, 3600) * 1_000_000,
            )
            if r.random() < 0.3:
                old, new = r.choice(((str(agent.username), r.choice(staff).username), (who.email, p.person(5000 + ticket).email), ("Åpen", "Løst")))
                rows.add("helpdesk_ticketchange", followup_id=followup, field=r.choice(("Tildelt", "Innsenders e-post", "Status")), old_value=old, new_value=new)
            if r.random() < 0.1:
                rows.add("helpdesk_followupattachment", followup_id=followup, file=f"helpdesk/attachments/{ticket}/skjermbilde.png", filename="skjermbilde.png", mime_type="image/png", size=r.randrange(10_000, 900_000))
        if r.random() < 0.3:
            rows.add("helpdesk_ticketcustomfieldvalue", ticket_id=ticket, field_id=fields[0], value=p.account_number())
        if r.random() < 0.3:
            rows.add("helpdesk_ticketcustomfieldvalue", ticket_id=ticket, field_id=fields[1], value=who.phone)
        if r.random() < 0.15:
            other = r.choice(customers)
            by_user = r.random() < 0.5
            rows.add("helpdesk_ticketcc", _owners={who.id, other.id}, ticket_id=ticket, user_id=other.id if by_user else None, email=None if by_user else other.email, can_view=True, can_update=False)
        if r.random() < 0.1:
            checklist = rows.add("helpdesk_checklist", ticket_id=ticket, name="Retur")
            for position, task in enumerate(("Motta vare", "Kontroller vare", "Refunder")):
                rows.add("helpdesk_checklisttask", checklist_id=checklist, description=task, position=position)
    rows.belong_to()
    tickets_of = {ticket: who.id for ticket, who in tickets}
    for (ticket, _), (other, _) in zip(tickets[::37], tickets[5::37]):
        rows.add("helpdesk_ticketdependency", _owners={tickets_of[ticket], tickets_of[other]}, ticket_id=ticket, depends_on_id=other)
    _admin_log(rows, p, staff, customers, 40)
    return Population("helpdesk", customers, staff)


# ------------------------------------------------------------------- Chinook


def _chinook(rows: Rows, p: People) -> Population:
    """Chinook's own sample data (59 customers, 8 employees, 412 invoices), as shipped."""
    with gzip.open(HERE / "chinook" / "data.json.gz", "rt", encoding="utf-8") as f:
        data = json.load(f)
    dates = {c.name for t in rows.metadata.tables.values() for c in t.columns if isinstance(c.type, (sa.Date, sa.DateTime))}
    for table, content in data.items():
        for row in content["rows"]:
            values = dict(zip(content["columns"], row))
            for column in dates & values.keys():
                if values[column]:
                    values[column] = dt.datetime.fromisoformat(values[column])
            rows.data[table].append(values)

    def person(r: dict) -> Person:
        return Person(r["id"], r["firstname"], r["lastname"], r["email"] or "", "", r["phone"] or "", r["address"] or "", "", r["postalcode"] or "", r["city"] or "", r["state"] or "", "")

    customers = [person(r) for r in rows.data["chinook_customer"]]
    staff = [person(r) for r in rows.data["chinook_employee"]]
    return Population("chinook", customers, staff)


FILLERS = {"oscar": _oscar, "helpdesk": _helpdesk, "chinook": _chinook}


@functools.cache
def generate(app: str, seed: int = 7) -> tuple[Population, dict[str, list[dict]]]:
    """The rows to write, without a database (deterministic for app and seed)."""
    rows = Rows(schema_metadata(app))
    population = FILLERS[app](rows, People(seed))
    population.rows = {name: len(data) for name, data in rows.data.items()}
    population.owners = {name: dict(owners) for name, owners in rows.owners.items()}
    return population, rows.data


def fill(url: str, app: str, seed: int = 7) -> Population:
    """Create the application's schema in the empty database at `url` and fill it."""
    create_schema(url, app)
    population, data = generate(app, seed)
    engine = make_engine(url)
    try:
        with warnings.catch_warnings(), engine.begin() as conn:
            warnings.simplefilter("ignore", sa.exc.SAWarning)  # Decimal on SQLite
            for table in schema_metadata(app).sorted_tables:
                if data.get(table.name):
                    conn.execute(table.insert(), data[table.name])
    finally:
        engine.dispose()
    return population
